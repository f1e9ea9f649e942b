import fs from 'node:fs';
import path from 'node:path';
import { ExitCode, UnavailableError, UsageError } from '../errors.js';
import { findJournals } from '../tracking/journal-finder.js';
import { defaultJournalDir } from '../tracking/journal.js';
import { JournalShipper, type ShipCounts } from '../tracking/shipper.js';
import { clearForeignLocks } from '../tracking/lock.js';
import { RejectedError, type TrackingSink } from '../tracking/sink.js';
import { createTrackingSink } from '../tracking/sink-factory.js';
import { importForeignRuns } from '../tracking/foreign-runs.js';

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
  stderr?: NodeJS.WritableStream;
  sink?: TrackingSink;
  /** journals shipped at once */
  concurrency?: number;
}

export type JournalOutcome = 'shipped' | 'kept' | 'busy' | 'failed' | 'invalid';

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
  /** 0 all shipped (or being shipped by another process), 1 some invalid/rejected, 3 server unreachable */
  exitCode: number;
}

export async function syncOp(opts: SyncOptions): Promise<SyncResult> {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const stderr = opts.stderr ?? process.stderr;
  const say = (line: string) => stderr.write(line + '\n');
  const trackingUri = opts.trackingUri ?? env.MLFLOW_TRACKING_URI;
  if (!trackingUri && !opts.sink) {
    // Embedded default (no server): artifacts' journals join the local store that `dap runs` reads.
    if (opts.fromArtifacts) return keepLocally(await artifactJournals(cwd, opts.fromArtifacts, env, say), defaultJournalDir(env, cwd), say);
    throw new UsageError('dap sync needs a tracking server', 'set MLFLOW_TRACKING_URI (or pass --tracking-uri URL)');
  }
  const sink = opts.sink ?? createTrackingSink(trackingUri!, { env });

  const files: string[] = [];
  if (opts.pipeline) {
    const { fetchPipelineRuns } = await import('./pipeline-artifacts.js');
    const dest = path.join(defaultJournalDir(env, cwd), '..', 'sync', `pipeline-${opts.pipeline}`);
    const fetched = await fetchPipelineRuns({ pipelineId: opts.pipeline, project: opts.project, env, dest, say });
    files.push(...findJournals(fetched));
  }
  if (opts.fromArtifacts) files.push(...(await artifactJournals(cwd, opts.fromArtifacts, env, say)));
  if (!opts.pipeline && !opts.fromArtifacts) {
    const dirs = opts.dirs?.length ? opts.dirs.map((d) => path.resolve(cwd, d)) : [defaultJournalDir(env, cwd)];
    for (const d of dirs) {
      if (!fs.existsSync(d)) throw new UsageError(`${d} does not exist`, 'pass a directory that holds dap journals (.dap/journal)');
      files.push(...findJournals(d));
    }
  }
  const unique = [...new Set(files)];
  if (unique.length === 0) say('dap sync: no journals found');

  const results: JournalSyncResult[] = [];
  let next = 0;
  let unreachable: UnavailableError | undefined;
  const worker = async () => {
    while (next < unique.length && !unreachable) {
      const i = next++;
      const file = unique[i]!;
      const r = await shipOne(file, sink, say);
      results[i] = r;
      if (r.unavailable) unreachable = r.unavailable;
      const n = r.counts;
      say(`dap sync: [${results.filter(Boolean).length}/${unique.length}] ${path.relative(cwd, file) || file}: ${r.outcome}` +
        (n ? ` (${n.metrics} points, ${n.params} params, ${n.tags} tags, ${n.artifacts} files${n.statuses ? ', status' : ''})` : '') +
        (r.error ? `: ${r.error}` : ''));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 8) }, worker));
  if (unreachable) {
    throw new UnavailableError(unreachable.message, `${unreachable.hint ? unreachable.hint + '; ' : ''}${unique.length - results.filter((r) => r?.outcome === 'shipped').length} journal(s) not shipped yet; they stay where they are, run dap sync again`);
  }
  const done = results.filter(Boolean);
  const exitCode = done.some((r) => r.outcome === 'invalid' || r.outcome === 'failed' || r.rejected?.length) ? ExitCode.failure : ExitCode.ok;
  return { trackingUri: sink.uri, journals: done, exitCode };
}

async function artifactJournals(cwd: string, dir: string, env: NodeJS.ProcessEnv, say: (l: string) => void): Promise<string[]> {
  const root = path.resolve(cwd, dir);
  if (!fs.existsSync(root)) throw new UsageError(`${dir} does not exist`, 'pass the directory the job artifacts were unpacked into');
  const imported = await importForeignRuns(root, { env, cwd, say });
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

async function shipOne(file: string, sink: TrackingSink, say: (l: string) => void): Promise<JournalSyncResult> {
  const shipper = JournalShipper.acquire(file, sink, { warn: (l) => say(`dap sync: warning: ${l}`), onProgress: progressPrinter(file, say) });
  if (!shipper) return { journal: file, outcome: 'busy', error: 'another dap process is shipping it' };
  try {
    const counts = await shipper.ship();
    return { journal: file, outcome: 'shipped', identity: shipper.identity, runId: shipper.runId, counts, rejected: shipper.rejected };
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

/** A line every few seconds for journals big enough to take a while. */
function progressPrinter(file: string, say: (l: string) => void) {
  let last = Date.now();
  return (p: { offset: number; size: number }) => {
    if (Date.now() - last < 3000 || p.size === 0) return;
    last = Date.now();
    say(`dap sync: ${path.basename(file)}: ${Math.floor((100 * p.offset) / p.size)}% (${p.offset}/${p.size} bytes)`);
  };
}
