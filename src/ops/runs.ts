import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { findJournals } from '../tracking/journal-finder.js';
import { defaultJournalDir } from '../tracking/journal.js';
import { rankRuns, summarizeJournal, type RunSummary } from '../tracking/run-summary.js';

// `dap runs`: the runs in local journals (the embedded default: no server needed), compared.

export interface RunsOptions {
  /** a journal directory, a project's .dap/, or unpacked artifacts (default: $DAP_JOURNAL_DIR or .dap/journal) */
  dir?: string;
  experiment?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface RunsResult { dir: string; runs: RunSummary[] }

export async function runsOp(opts: RunsOptions = {}): Promise<RunsResult> {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const dir = opts.dir ? path.resolve(cwd, opts.dir) : defaultJournalDir(env, cwd);
  if (opts.dir && !fs.existsSync(dir)) throw new UsageError(`${opts.dir} does not exist`, 'pass the directory that holds the journals (default .dap/journal)');
  const runs = findJournals(dir)
    .map((f) => summarizeJournal(f))
    .filter((r): r is RunSummary => r !== undefined)
    .filter((r) => !opts.experiment || r.experiment === opts.experiment);
  rankRuns(runs);
  runs.sort((a, b) => a.experiment.localeCompare(b.experiment) || (a.rank ?? Infinity) - (b.rank ?? Infinity) || (a.runIndex ?? 0) - (b.runIndex ?? 0) || a.startTime - b.startTime);
  return { dir, runs };
}
