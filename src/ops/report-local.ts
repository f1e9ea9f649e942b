import type { ReportRun } from '../core/report/types.js';
import type { Goal } from '../core/report/types.js';
import { findJournals } from '../tracking/journal-finder.js';
import { readWholeJournal } from '../tracking/journal.js';
import { metricNumber } from '../core/mlflow/values.js';
import { reportRunOf } from './report-runs.js';

// `dap report --local`: the runs in the project's journals (.dap/journal), no server needed.

export interface LocalExperiment { experiment: string; primary?: string; goal?: Goal; runs: ReportRun[] }

export function localRuns(dir: string): LocalExperiment[] {
  const byExp = new Map<string, LocalExperiment>();
  for (const file of findJournals(dir)) {
    const { entries } = readWholeJournal(file);
    const open = entries[0]?.event;
    if (!open || open.t !== 'open') continue;
    const params: Record<string, string> = {};
    const tags: Record<string, string> = {};
    const metrics: Record<string, Array<[number, number]>> = {};
    let status = 'RUNNING';
    for (const { event } of entries) {
      if (event.t === 'params') Object.assign(params, event.params);
      else if (event.t === 'tags') Object.assign(tags, event.tags);
      else if (event.t === 'open') status = 'RUNNING';
      else if (event.t === 'status') status = event.status;
      else if (event.t === 'metrics') for (const p of event.points) (metrics[p.k] ??= []).push([p.s, metricNumber(p.v)]);
    }
    for (const pts of Object.values(metrics)) pts.sort((a, b) => a[0] - b[0]);
    const run = reportRunOf({ id: open.identity, runName: open.runName, status, startTime: open.time, params, tags: { ...tags, 'dap.run_key': open.runKey ?? tags['dap.run_key'] ?? '' }, metrics });
    if (!run.runKey) delete run.runKey;
    const exp = byExp.get(open.experiment) ?? { experiment: open.experiment, primary: open.primary, goal: open.goal, runs: [] };
    exp.runs.push(run);
    byExp.set(open.experiment, exp);
  }
  return [...byExp.values()];
}

/** The newest pipeline among local runs (gitlab-ci-local numbers them 1, 2, …). */
export function latestPipeline(experiments: LocalExperiment[]): string | undefined {
  const ids = experiments.flatMap((e) => e.runs.map((r) => r.pipelineId)).filter((p): p is string => p !== undefined);
  return ids.sort((a, b) => Number(b) - Number(a) || b.localeCompare(a))[0];
}
