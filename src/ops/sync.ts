import fs from 'node:fs';
import path from 'node:path';
import { ExitCode, UnavailableError, UsageError } from '../errors.js';
import { findProjectRoot } from '../paths.js';
import { findJournals } from '../tracking/journal-finder.js';
import { defaultJournalDir } from '../tracking/journal.js';
import { JournalShipper, describeLost, lostTotal, type ShipCounts, type ShipProgress } from '../tracking/shipper.js';
import { clearForeignLocks } from '../tracking/lock.js';
import { RejectedError, type TrackingSink } from '../tracking/sink.js';
import { mlflowSink } from '../tracking/mlflow-sink.js';
import { importForeignRuns } from '../tracking/foreign-runs.js';
import { mapLimited } from '../concurrency.js';
import { progressReporter, type ProgressStream } from './progress.js';

// `dap sync`: ships journals that did not reach MLflow when their job ran — from a directory,
// from unpacked job artifacts, or straight from a GitLab pipeline's job artifacts.

export interface SyncOptions {
  /** directories or journal files (default: $DAP_JOURNAL_DIR or .dap/journal) */
  dirs?: string[];
  /** unpacked job artifacts (a dap:sync job's .dap/): journals, plus bare runs of foreign images */
  fromArtifacts?: string;
  pipeline?: string;
  project?: string;
  trackingUri?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** the project whose .dap/journal is the default (default: found from cwd) */
  root?: string;
  stderr?: NodeJS.WritableStream;
  sink?: TrackingSink;
  /** journals shipped at once */
  concurrency?: number;
}

/** partial: shipped, but some items never will land (refused, invalid, outside the tree, cut off) */
export type JournalOutcome = 'shipped' | 'partial' | 'kept' | 'busy' | 'failed' | 'invalid';

export interface JournalSyncResult {
  journal: string;
  outcome: JournalOutcome;
  identity?: string;
  runId?: string;
  counts?: ShipCounts;
  rejected?: string[];
  error?: string;
  /** set when the tracking server could not be reached or refused the credentials */
  unavailable?: UnavailableError;
}

export interface SyncResult {
  trackingUri: string;
  journals: JournalSyncResult[];
  /** 0 all shipped (or being shipped by another process), 1 some invalid/rejected/lost, 3 server unreachable */
  exitCode: number;
}

export async function syncOp(opts: SyncOptions): Promise<SyncResult> {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const root = opts.root ?? findProjectRoot(cwd);
  const stderr = opts.stderr ?? process.stderr;
  const say = (line: string) => stderr.write(line + '\n');
  const trackingUri = opts.trackingUri ?? env.MLFLOW_TRACKING_URI;
  if (!trackingUri && !opts.sink) {
    // Embedded default (no server): artifacts' journals join the local store that `dap runs` reads.
    if (opts.fromArtifacts) return keepLocally(await artifactJournals(cwd, opts.fromArtifacts, env, say), defaultJournalDir(env, root), say);
    throw new UsageError('dap sync needs a tracking server', 'set MLFLOW_TRACKING_URI (or pass --tracking-uri URL)');
  }
  const sink = opts.sink ?? mlflowSink(trackingUri!, { env });

  // each journal with the tree its artifact sources must stay in (undefined: the one holding its .dap/)
  const roots = new Map<string, string | undefined>();
  const add = (file: string, root: string | undefined) => { if (!roots.has(file)) roots.set(file, root); };
  if (opts.pipeline) {
    const { fetchPipelineRuns } = await import('./pipeline-artifacts.js');
    const dest = path.resolve(defaultJournalDir(env, root), '..', 'sync', `pipeline-${opts.pipeline}`);
    const fetched = await fetchPipelineRuns({ pipelineId: opts.pipeline, project: opts.project, env, dest, say });
    // one job's archive is one tree (<dest>/job-<id>/): a journal never reaches into another job's files
    for (const f of findJournals(fetched)) add(f, path.join(dest, path.relative(dest, f).split(path.sep)[0]!));
  }
  if (opts.fromArtifacts) {
    // `--from-artifacts .dap` (the follow-up job): the tree is the workspace the artifacts were unpacked into
    const given = path.resolve(cwd, opts.fromArtifacts);
    const root = path.basename(given) === '.dap' ? path.dirname(given) : given;
    for (const f of await artifactJournals(cwd, opts.fromArtifacts, env, say)) add(f, root);
  }
  if (!opts.pipeline && !opts.fromArtifacts) {
    const dirs = opts.dirs?.length ? opts.dirs.map((d) => path.resolve(cwd, d)) : [defaultJournalDir(env, root)];
    for (const d of dirs) {
      if (!fs.existsSync(d)) throw new UsageError(`${d} does not exist`, 'pass a directory that holds dap journals (.dap/journal)');
      for (const f of findJournals(d)) add(f, undefined);
    }
  }
  const unique = [...roots.keys()];
  if (unique.length === 0) say('dap sync: no journals found');

  const results: JournalSyncResult[] = [];
  let unreachable: UnavailableError | undefined;
  const progress = syncProgress(unique, stderr);
  try {
    await mapLimited(unique, opts.concurrency ?? 8, async (file, i) => {
      const r = await shipOne(file, roots.get(file), sink, progress.log, (p) => progress.shipped(file, p.offset, p.size));
      results[i] = r;
      progress.finished();
      const n = r.counts;
      const lost = n && describeLost(n);
      progress.log(`dap sync: [${results.filter(Boolean).length}/${unique.length}] ${path.relative(cwd, file) || file}: ${r.outcome}` +
        (n ? ` (${n.metrics} points, ${n.params} params, ${n.tags} tags, ${n.artifacts} files${n.statuses ? ', status' : ''}${lost ? `; ${lost}` : ''})` : '') +
        (r.error ? `: ${r.error}` : ''));
      // the server is gone or refuses us: no point starting the other journals now
      if (r.unavailable) throw r.unavailable;
    });
  } catch (e) {
    if (!(e instanceof UnavailableError)) throw e;
    unreachable = e;
  } finally {
    progress.end();
  }
  if (unreachable) {
    throw new UnavailableError(unreachable.message, `${unreachable.hint ? unreachable.hint + '; ' : ''}${unique.length - results.filter((r) => r?.outcome === 'shipped' || r?.outcome === 'partial').length} journal(s) not shipped yet; they stay where they are, run dap sync again`);
  }
  const done = results.filter(Boolean);
  const exitCode = done.some((r) => r.outcome === 'invalid' || r.outcome === 'failed' || r.outcome === 'partial' || r.rejected?.length) ? ExitCode.failure : ExitCode.ok;
  const lost = done.reduce((sum, r) => sum + (r.counts ? lostTotal(r.counts) : 0), 0);
  if (lost) say(`dap sync: ${lost} item(s) in ${done.filter((r) => r.outcome === 'partial').length} journal(s) will never reach MLflow (see the reasons above); exit 1`);
  return { trackingUri: sink.uri, journals: done, exitCode };
}

async function artifactJournals(cwd: string, dir: string, env: NodeJS.ProcessEnv, say: (l: string) => void): Promise<string[]> {
  const root = path.resolve(cwd, dir);
  if (!fs.existsSync(root)) throw new UsageError(`${dir} does not exist`, 'pass the directory the job artifacts were unpacked into');
  // the loader (ajv, the schema) is loaded only when there are bare runs to match
  const loadSpecs = async (dir: string) => (await import('./load-specs.js')).loadSpecs(dir);
  const imported = await importForeignRuns(root, { env, cwd, say, loadSpecs });
  const found = [...new Set([...findJournals(root), ...imported])];
  clearForeignLocks(found);
  return found;
}

function keepLocally(journals: string[], dest: string, say: (l: string) => void): SyncResult {
  fs.mkdirSync(dest, { recursive: true });
  for (const file of journals) {
    const target = path.join(dest, path.basename(file));
    if (path.resolve(file) !== path.resolve(target)) fs.copyFileSync(file, target);
  }
  say(`dap sync: no MLFLOW_TRACKING_URI: kept ${journals.length} run journal(s) in ${dest} (\`dap runs\` lists them; \`dap sync\` ships them once a server is set)`);
  return { trackingUri: '', journals: journals.map((journal) => ({ journal, outcome: 'kept' })), exitCode: ExitCode.ok };
}

async function shipOne(file: string, root: string | undefined, sink: TrackingSink, say: (l: string) => void, onProgress: (p: ShipProgress) => void): Promise<JournalSyncResult> {
  const shipper = JournalShipper.acquire(file, sink, { root, final: true, warn: (l) => say(`dap sync: warning: ${l}`), onProgress });
  if (!shipper) return { journal: file, outcome: 'busy', error: 'another dap process is shipping it' };
  try {
    const counts = await shipper.ship();
    const outcome = lostTotal(counts) || shipper.rejected.length ? 'partial' : 'shipped';
    return { journal: file, outcome, identity: shipper.identity, runId: shipper.runId, counts, rejected: shipper.rejected };
  } catch (e) {
    const msg = (e as Error).message;
    if (e instanceof RejectedError) return { journal: file, outcome: 'invalid', error: msg };
    // the server is gone or refuses us: no point trying the other journals now
    if (e instanceof UnavailableError) return { journal: file, outcome: 'failed', identity: shipper.identity, error: msg, unavailable: e };
    return { journal: file, outcome: 'failed', identity: shipper.identity, error: msg };
  } finally {
    shipper.close();
  }
}

/**
 * Bytes of all journals on the server, over all of them: a bar on a terminal, a line every few
 * seconds elsewhere (only when the journals take that long).
 */
function syncProgress(journals: string[], stream: ProgressStream) {
  const reporter = progressReporter(stream, { label: 'dap sync:', plainEveryMs: 3000 });
  const size = new Map(journals.map((f) => [f, fileSize(f)]));
  const offset = new Map<string, number>();
  let finished = 0;
  const show = () => {
    const total = sum(size.values());
    const value = Math.min(total, sum(offset.values()));
    if (total === 0) return;
    reporter.update(value, total, `${Math.floor((100 * value) / total)}% (${value}/${total} bytes, ${finished}/${journals.length} journals)`);
  };
  return {
    log: (line: string) => reporter.log(line),
    shipped(file: string, at: number, of: number) {
      size.set(file, Math.max(size.get(file) ?? 0, of));
      offset.set(file, at);
      show();
    },
    finished() {
      finished++;
      show();
    },
    end: () => reporter.end(),
  };
}

function fileSize(file: string): number {
  try { return fs.statSync(file).size; } catch { return 0; }
}

function sum(ns: Iterable<number>): number {
  let t = 0;
  for (const n of ns) t += n;
  return t;
}
