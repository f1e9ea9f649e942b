// The results of a halving sweep's runs, from MLflow (runs tagged dap.sweep_pipeline_id) or,
// when MLflow cannot be reached, from the runs' journals (local, or fetched from GitLab).
// Both are untrusted: tags must parse, metric values must be numbers, or the run counts as unknown.

import { createMlflowClient } from '../adapters/mlflow/index.js';
import { metricNumber, type MetricValue } from '../core/mlflow/values.js';
import { findJournals } from './journal-finder.js';
import { readWholeJournal } from './journal.js';

export interface SweepRunRecord {
  runKey: string;
  bracket: number;
  rung: number;
  status: string;
  /** latest value of the primary metric */
  value?: number;
  /** MLflow run id (MLflow source only) */
  runId?: string;
  source: string;
}

const SMALL_INT = /^(0|[1-9][0-9]{0,3})$/;
const RUN_KEY = /^[0-9a-f]{16}$/;

function placed(tags: Record<string, string | undefined>, sweepPipelineId: string): { runKey: string; bracket: number; rung: number } | undefined {
  const { 'dap.sweep_pipeline_id': sweep, 'dap.run_key': runKey, 'dap.rung': rung, 'dap.bracket': bracket } = tags;
  if (sweep !== sweepPipelineId || !runKey || !RUN_KEY.test(runKey) || !rung || !SMALL_INT.test(rung)) return undefined;
  return { runKey, rung: Number(rung), bracket: bracket && SMALL_INT.test(bracket) ? Number(bracket) : 0 };
}

export async function mlflowSweepRuns(opts: { trackingUri: string; env: NodeJS.ProcessEnv; experiment: string; sweepPipelineId: string; primary: string }): Promise<SweepRunRecord[]> {
  const client = createMlflowClient({ trackingUri: opts.trackingUri, env: opts.env });
  const exp = await client.experiments.getByName(opts.experiment);
  if (!exp) return [];
  const out: SweepRunRecord[] = [];
  const filter = `tags.\`dap.sweep_pipeline_id\` = '${opts.sweepPipelineId.replace(/[^0-9A-Za-z_-]/g, '')}'`;
  for await (const run of client.runs.searchAll({ experimentIds: [exp.experiment_id], filter, maxResults: 1000, viewType: 'ACTIVE_ONLY' })) {
    const tags = Object.fromEntries((run.data?.tags ?? []).map((t) => [t.key, t.value]));
    const where = placed(tags, opts.sweepPipelineId);
    if (!where) continue;
    const metric = (run.data?.metrics ?? []).find((m) => m.key === opts.primary);
    const value = metric === undefined ? undefined : metricNumber(metric.value);
    out.push({ ...where, status: String(run.info.status), value: typeof value === 'number' ? value : undefined, runId: run.info.run_id, source: `mlflow:${run.info.run_id}` });
  }
  return out;
}

/** Every journal under `dirs` that belongs to the sweep; the primary metric's value at its highest step. */
export function journalSweepRuns(dirs: readonly string[], sweepPipelineId: string, primary: string): SweepRunRecord[] {
  const out: SweepRunRecord[] = [];
  for (const file of new Set(dirs.flatMap((d) => findJournals(d)))) {
    let entries;
    try {
      entries = readWholeJournal(file).entries;
    } catch {
      continue; // unreadable: unknown, like a run that never started
    }
    const tags: Record<string, string> = {};
    let status = 'RUNNING';
    let best: { s: number; ts: number; v: MetricValue } | undefined;
    for (const { event } of entries) {
      if (event.t === 'tags') Object.assign(tags, event.tags);
      else if (event.t === 'status') status = event.status;
      else if (event.t === 'metrics') {
        for (const p of event.points) if (p.k === primary && (!best || p.s > best.s || (p.s === best.s && p.ts >= best.ts))) best = p;
      }
    }
    const where = placed(tags, sweepPipelineId);
    if (!where) continue;
    const value = best === undefined ? undefined : metricNumber(best.v);
    out.push({ ...where, status, value: typeof value === 'number' ? value : undefined, source: file });
  }
  return out;
}
