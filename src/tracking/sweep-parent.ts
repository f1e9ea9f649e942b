// One MLflow parent run per halving sweep, found by its dap.identity like every dap run, so the
// open job, each select job and the close job (and their retries) all land on the same run.

import { mlflowSink, type MlflowSink } from './mlflow-sink.js';
import type { RunRef } from './sink.js';

export interface SweepParent {
  sink: MlflowSink;
  ref: RunRef;
}

export const sweepIdentity = (experiment: string, sweepPipelineId: string): string => `sweep:${experiment}|pipeline:${sweepPipelineId}`;

export async function openSweepParent(opts: {
  trackingUri: string;
  env: NodeJS.ProcessEnv;
  /** MLflow experiment */
  trackingExperiment: string;
  experiment: string;
  sweepPipelineId: string;
  /** logged once as params: eta, budget, brackets… */
  settings: Record<string, string>;
  tags?: Record<string, string>;
}): Promise<SweepParent> {
  const sink = mlflowSink(opts.trackingUri, { env: opts.env });
  const identity = sweepIdentity(opts.experiment, opts.sweepPipelineId);
  const ref = await sink.resolveRun({
    t: 'open', v: 1, identity, experiment: opts.trackingExperiment, spec: opts.experiment,
    runName: `${opts.experiment} sweep ${opts.sweepPipelineId}`, time: Date.now(), workdir: '',
  });
  await sink.logBatch(ref, {
    metrics: [],
    params: opts.settings,
    tags: { 'dap.sweep': 'halving', 'dap.experiment': opts.experiment, 'dap.sweep_pipeline_id': opts.sweepPipelineId, ...opts.tags },
  });
  return { sink, ref };
}

/** mlflow.parentRunId on each trial: MLflow's UI nests them under the sweep. */
export async function linkTrials(parent: SweepParent, runIds: readonly string[]): Promise<void> {
  for (const runId of runIds) {
    await parent.sink.logBatch({ runId, experimentId: parent.ref.experimentId }, { metrics: [], params: {}, tags: { 'mlflow.parentRunId': parent.ref.runId } });
  }
}

export async function logSweepResult(parent: SweepParent, best: { params: Record<string, string>; metric: string; value: number; runKey: string; runId?: string } | undefined, status: 'FINISHED' | 'FAILED', message?: string): Promise<void> {
  const now = Date.now();
  if (best) {
    await parent.sink.logBatch(parent.ref, {
      metrics: [{ k: `best_${best.metric}`, v: best.value, s: 0, ts: now }],
      params: Object.fromEntries(Object.entries(best.params).map(([k, v]) => [`best.${k}`, v])),
      tags: { 'dap.best_run_key': best.runKey, ...(best.runId ? { 'dap.best_run_id': best.runId } : {}), 'dap.best_config': JSON.stringify(best.params) },
    });
  }
  if (message) await parent.sink.logBatch(parent.ref, { metrics: [], params: {}, tags: { 'dap.sweep_stopped': message.slice(0, 8000) } });
  await parent.sink.setStatus(parent.ref, status, now);
}
