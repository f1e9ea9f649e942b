import path from 'node:path';
import { findJournals } from '../tracking/journal-finder.js';
import { JournalWriter } from '../tracking/journal.js';
import { tryLock } from '../tracking/lock.js';
import { summarizeJournal, type RunSummary } from '../tracking/run-summary.js';

// After an interrupted `dap run --local`: every run of that pipeline ends KILLED in its journal
// (a job killed before `dap track` wrote its status leaves none), locks of dead owners go, and with
// a tracking server configured the journals are shipped so MLflow shows KILLED too.

export interface SettleOptions {
  journalDir: string;
  pipelineId: string;
  env: NodeJS.ProcessEnv;
  onNotice?: (message: string) => void;
}

export async function settleInterruptedRuns(opts: SettleOptions): Promise<RunSummary[]> {
  const mine = `|local:${opts.pipelineId}|`;
  const files: string[] = [];
  const runs: RunSummary[] = [];
  for (const file of findJournals(opts.journalDir)) {
    let run = summarizeJournal(file);
    if (!run || !run.identity.includes(mine)) continue;
    files.push(file);
    // the owner of a lock is a `dap track` of this pipeline, dead by now: take the lock over and drop it
    tryLock(file)?.release();
    if (run.status === 'RUNNING') {
      const w = JournalWriter.open(path.dirname(file), run.identity);
      w.append([{ t: 'status', status: 'KILLED', time: Date.now() }]);
      w.close();
      run = summarizeJournal(file)!;
    }
    runs.push(run);
  }
  if (files.length && opts.env.MLFLOW_TRACKING_URI) {
    const { syncOp } = await import('./sync.js');
    try {
      await syncOp({ dirs: files, env: opts.env, stderr: { write: () => true } as unknown as NodeJS.WritableStream });
    } catch (e) {
      opts.onNotice?.(`could not ship the stopped runs to MLflow (${(e as Error).message}); \`dap sync\` does it later`);
    }
  }
  return runs.sort((a, b) => (a.runIndex ?? 0) - (b.runIndex ?? 0) || a.startTime - b.startTime);
}
