import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { findProjectRoot } from '../paths.js';
import { findJournals } from '../tracking/journal-finder.js';
import { defaultJournalDir } from '../tracking/journal.js';
import { latestAttempts, rankRuns, summarizeJournal, type RunSummary } from '../tracking/run-summary.js';

// `dap runs`: the runs in local journals (the embedded default: no server needed), compared.

export interface RunsOptions {
  /** a journal directory, a project's .dap/, or unpacked artifacts (default: $DAP_JOURNAL_DIR or .dap/journal) */
  dir?: string;
  experiment?: string;
  /** list from the MLflow server (MLFLOW_TRACKING_URI) instead of the journals */
  mlflow?: boolean;
  trackingUri?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** the project: where .dap/journal and experiments/ are (default: found from cwd) */
  root?: string;
}

export interface RunsResult { dir: string; runs: RunSummary[] }

export async function runsOp(opts: RunsOptions = {}): Promise<RunsResult> {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const root = opts.root ?? findProjectRoot(cwd);
  if (opts.mlflow) {
    const trackingUri = opts.trackingUri ?? env.MLFLOW_TRACKING_URI;
    if (!trackingUri) throw new UsageError('dap runs --mlflow needs a tracking server', 'set MLFLOW_TRACKING_URI (or pass --tracking-uri URL)');
    const { listMlflowRuns } = await import('../tracking/mlflow-runs.js');
    const runs = await listMlflowRuns({ trackingUri, env, cwd: root, experiments: opts.experiment ? [opts.experiment] : undefined });
    return { dir: trackingUri, runs: ordered(latestAttempts(runs)) };
  }
  const dir = opts.dir ? path.resolve(cwd, opts.dir) : defaultJournalDir(env, root);
  if (opts.dir && !fs.existsSync(dir)) throw new UsageError(`${opts.dir} does not exist`, 'pass the directory that holds the journals (default .dap/journal)');
  const runs = findJournals(dir)
    .map((f) => summarizeJournal(f))
    .filter((r): r is RunSummary => r !== undefined)
    .filter((r) => !opts.experiment || r.experiment === opts.experiment);
  return { dir, runs: ordered(latestAttempts(runs)) };
}

/** Ranked within each experiment, best first; unranked runs by plan index, then start. */
function ordered(runs: RunSummary[]): RunSummary[] {
  rankRuns(runs);
  return runs.sort((a, b) => a.experiment.localeCompare(b.experiment) || (a.rank ?? Infinity) - (b.rank ?? Infinity) || (a.runIndex ?? 0) - (b.runIndex ?? 0) || a.startTime - b.startTime);
}
