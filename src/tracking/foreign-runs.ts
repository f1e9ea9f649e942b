import fs from 'node:fs';
import path from 'node:path';
import type { JournalEvent, JournalPoint } from './events.js';
import type { RunStatus } from '../core/mlflow/values.js';
import { JournalWriter, journalFileName, metricsEvents, readWholeJournal } from './journal.js';
import { findJournals } from './journal-finder.js';
import { realPathInside } from './job-tree.js';
import { MetricCollector, WarningCounter } from './metric-collector.js';
import type { LoadedSpec } from '../core/spec/types.js';
import { finishTags, originTags, sanitizeIdentity } from './lineage.js';

// Jobs in a foreign image run the bare command: no dap inside, so no journal — only what the
// generated prelude set up: .dap/params/<DAP_RUN>.json and the .dap/metrics/<DAP_RUN>.jsonl the
// process appended to (and .dap/status/<DAP_RUN> with the exit code, when the job records it).
// The follow-up dap:sync job turns each such run into a journal, keyed like `dap track` keys it,
// with timestamps derived from the pipeline's creation time so a retried sync re-creates the
// exact same points.

export interface ForeignImportOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  say: (line: string) => void;
  /** the project's validated specs (ops' loader): tracking does not read specs on its own */
  loadSpecs: (root: string) => Promise<LoadedSpec[]>;
}

interface PlannedRunInfo { experiment: string; trackingExperiment: string; key: string; index: number; specFile: string; specHash: string; primary?: string; goal?: 'minimize' | 'maximize' }

/** Writes journals (under <root>/journal/) for bare runs not covered by a journal yet; returns their files. */
export async function importForeignRuns(root: string, opts: ForeignImportOptions): Promise<string[]> {
  const dapDirs = findDapDirs(root);
  const bare = new Map<string, { params?: string; metrics?: string; status?: string }>();
  for (const d of dapDirs) {
    for (const [sub, ext, field] of [['params', '.json', 'params'], ['metrics', '.jsonl', 'metrics'], ['status', '', 'status']] as const) {
      for (const name of safeList(path.join(d, sub))) {
        if (ext && !name.endsWith(ext)) continue;
        // the artifacts are untrusted: a file linking out of them (or not a file) is never read
        const file = path.join(d, sub, name);
        if (!realPathInside(root, file) || !fs.statSync(file).isFile()) {
          opts.say(`dap sync: warning: ${file} is not a regular file inside ${root}; skipped`);
          continue;
        }
        const run = ext ? name.slice(0, -ext.length) : name;
        bare.set(run, { ...bare.get(run), [field]: path.join(d, sub, name) });
      }
    }
  }
  if (bare.size === 0) return [];
  const covered = new Set<string>();
  for (const j of findJournals(root)) {
    for (const { event } of readWholeJournal(j).entries) if (event.t === 'tags' && event.tags['dap.run']) covered.add(event.tags['dap.run']);
  }
  const todo = [...bare.entries()].filter(([run, f]) => !covered.has(run) && (f.metrics || f.params));
  if (todo.length === 0) return [];
  const plan = await plannedRuns(opts.cwd, opts.say, opts.loadSpecs);
  const base = deterministicBase(opts.env, todo.map(([, f]) => f.metrics ?? f.params!));
  const out: string[] = [];
  const journalDir = path.join(root, 'journal');
  for (const [run, files] of todo) {
    const info = plan.get(run);
    if (!info) {
      opts.say(`dap sync: warning: run ${run} (in ${path.dirname(files.metrics ?? files.params!)}) matches no planned run of experiments/; skipped`);
      continue;
    }
    // in `dap run --local` gitlab-ci-local's CI_PIPELINE_ID repeats across clones: dap's local pipeline id does not
    const pipeline = opts.env.DAP_SOURCE === 'local' && opts.env.DAP_LOCAL_PIPELINE_ID ? `local:${opts.env.DAP_LOCAL_PIPELINE_ID}` : `pipeline:${opts.env.CI_PIPELINE_ID ?? 'local'}`;
    const identity = sanitizeIdentity(`${info.key}|${pipeline}|job:foreign:${run}`);
    if (fs.existsSync(path.join(journalDir, journalFileName(identity)))) {
      out.push(path.join(journalDir, journalFileName(identity)));
      continue; // imported by an earlier attempt of this sync: ship it as it is
    }
    out.push(writeJournal(journalDir, identity, run, info, files, base, opts));
  }
  return out;
}

function writeJournal(dir: string, identity: string, run: string, info: PlannedRunInfo, files: { params?: string; metrics?: string; status?: string },
  base: number, opts: ForeignImportOptions): string {
  let tick = base;
  const collector = new MetricCollector(new WarningCounter(opts.say), () => tick++);
  const points: JournalPoint[] = [];
  if (files.metrics) {
    const lines = fs.readFileSync(files.metrics, 'utf8').split('\n');
    lines.forEach((l, i) => points.push(...collector.fromJsonLine(l, `${files.metrics}:${i + 1}`)));
  }
  let params: Record<string, string> = {};
  if (files.params) {
    try {
      const raw = JSON.parse(fs.readFileSync(files.params, 'utf8')) as Record<string, unknown>;
      params = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
    } catch (e) {
      opts.say(`dap sync: warning: ${files.params}: ${(e as Error).message}`);
    }
  }
  const exit = files.status ? Number(fs.readFileSync(files.status, 'utf8').trim()) : NaN;
  const status: RunStatus = Number.isNaN(exit) ? 'FINISHED' : exit === 0 ? 'FINISHED' : exit > 128 ? 'KILLED' : 'FAILED';
  const env = opts.env;
  // the pipeline's lineage as a tracked run gets it; not the sync job's own job, runner or image
  const tags = finishTags({
    'dap.identity': identity, 'dap.run': run, 'dap.run_key': info.key, 'dap.run_index': String(info.index), 'dap.experiment': info.experiment,
    'dap.spec_file': info.specFile, 'dap.spec_hash': info.specHash, 'dap.tracked_by': 'dap sync (foreign image)',
    'dap.exit_status': Number.isNaN(exit) ? 'unknown' : String(exit), 'mlflow.source.name': info.specFile,
    ...originTags(env),
  });
  const events: JournalEvent[] = [
    { t: 'open', v: 1, identity, experiment: info.trackingExperiment, spec: info.experiment, runKey: info.key, runIndex: info.index, runName: `${info.experiment}-${info.index}`,
      time: base, workdir: opts.cwd, primary: info.primary, goal: info.goal },
    { t: 'params', params },
    { t: 'tags', tags },
    ...metricsEvents(points),
    { t: 'status', status, time: Math.max(tick, base), ...(Number.isNaN(exit) ? {} : { exitCode: exit }) },
  ];
  const w = JournalWriter.open(dir, identity);
  w.append(events);
  w.close();
  return w.file;
}

/** runId (DAP_RUN) → its planned run, from the specs in the checkout the sync job runs in. */
async function plannedRuns(cwd: string, say: (l: string) => void, loadSpecs: ForeignImportOptions['loadSpecs']): Promise<Map<string, PlannedRunInfo>> {
  const map = new Map<string, PlannedRunInfo>();
  try {
    const { planExperiment } = await import('../core/plan/index.js');
    const { runId } = await import('../core/pipeline/prelude.js');
    for (const loaded of await loadSpecs(cwd)) {
      const plan = planExperiment(loaded);
      const m = loaded.spec.metrics;
      for (const r of plan.runs) {
        map.set(runId(r), { experiment: loaded.spec.name, trackingExperiment: loaded.spec.tracking?.experiment ?? loaded.spec.name, key: r.key, index: r.index,
          specFile: loaded.file, specHash: loaded.hash, primary: m?.primary, goal: m?.goal });
      }
    }
  } catch (e) {
    say(`dap sync: warning: cannot read the experiment specs in ${cwd} (${(e as Error).message}); bare runs of foreign images cannot be matched`);
  }
  return map;
}

/** The pipeline's creation time (same for every retry of the sync job), else the oldest file's mtime. */
function deterministicBase(env: NodeJS.ProcessEnv, files: string[]): number {
  const created = env.CI_PIPELINE_CREATED_AT ? Date.parse(env.CI_PIPELINE_CREATED_AT) : NaN;
  if (!Number.isNaN(created)) return created;
  return Math.min(...files.map((f) => Math.floor(fs.statSync(f).mtimeMs / 1000) * 1000));
}

function findDapDirs(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (['params', 'metrics', 'status'].some((s) => fs.existsSync(path.join(dir, s)))) out.push(dir);
    if (depth > 4) return;
    for (const name of safeList(dir)) {
      const abs = path.join(dir, name);
      // lstat: a symlinked directory is not followed (it could lead anywhere on this machine)
      if (name !== 'node_modules' && name !== '.git' && fs.lstatSync(abs).isDirectory()) walk(abs, depth + 1);
    }
  };
  walk(root, 0);
  return [...new Set(out)];
}

function safeList(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
}
