import pLimit from 'p-limit';
import type { MlflowClient, Run } from '../adapters/mlflow/index.js';
import { isRunStatus, metricNumber } from '../core/mlflow/values.js';
import { UsageError } from '../errors.js';
import type { Goal, ReportRun } from '../core/report/types.js';
import { goalFor } from '../tracking/run-summary.js';

// MLflow runs -> the report's runs: one pipeline's runs (tag dap.pipeline_id) and the latest
// pipeline's runs on a branch (tag mlflow.source.git.branch), with every metric's history.

export interface ExperimentRanking { experiment: string; primary?: string; goal?: Goal }

/** Both go inside a quoted MLflow filter string: refuse anything that could close the quote. */
export function filterValue(what: string, value: string): string {
  if (/['"\\\n]/.test(value)) throw new UsageError(`${what} ${JSON.stringify(value)} contains a quote or backslash`, 'dap report cannot query MLflow for it');
  return value;
}

export function goalsOf(ranking: ExperimentRanking, metrics: Iterable<string>): Record<string, Goal> {
  const out: Record<string, Goal> = {};
  for (const m of metrics) out[m] = goalFor(m, ranking);
  return out;
}

export function reportRunOf(r: { id: string; runName?: string; status: string; startTime: number; params: Record<string, string>; tags: Record<string, string>; metrics: ReportRun['metrics']; mlflowUrl?: string }): ReportRun {
  const status = isRunStatus(r.status) ? r.status : 'RUNNING';
  return {
    id: r.id, name: r.tags['dap.run'] ?? r.runName ?? r.id, status, startTime: r.startTime, params: r.params, metrics: r.metrics,
    runKey: r.tags['dap.run_key'], pipelineId: r.tags['dap.pipeline_id'], mlflowUrl: r.mlflowUrl, jobUrl: r.tags['dap.job_url'],
  };
}

async function toReportRun(client: MlflowClient, run: Run, uiBase: string): Promise<ReportRun> {
  const tags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
  const metrics: ReportRun['metrics'] = {};
  for (const m of run.data.metrics ?? []) {
    const history = await client.metrics.history(run.info.run_id, m.key);
    metrics[m.key] = history.map((h): [number, number] => [Number(h.step ?? 0), metricNumber(h.value)]).sort((a, b) => a[0] - b[0]);
  }
  return reportRunOf({
    id: run.info.run_id, runName: run.info.run_name, status: run.info.status, startTime: Number(run.info.start_time ?? 0),
    params: Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value])), tags, metrics,
    mlflowUrl: `${uiBase}/#/experiments/${run.info.experiment_id}/runs/${run.info.run_id}`,
  });
}

export class MlflowReportSource {
  private readonly limit = pLimit(8);
  constructor(private readonly client: MlflowClient, private readonly uiBase = client.trackingUri) {}

  async experimentId(name: string): Promise<string | undefined> {
    return (await this.client.experiments.getByName(name))?.experiment_id;
  }

  private async search(experimentId: string, filter: string): Promise<Run[]> {
    const out: Run[] = [];
    for await (const r of this.client.runs.searchAll({ experimentIds: [experimentId], filter, maxResults: 1000, viewType: 'ACTIVE_ONLY', orderBy: ['attributes.start_time DESC'] })) out.push(r);
    return out;
  }

  private load(runs: Run[]): Promise<ReportRun[]> {
    return Promise.all(runs.map((r) => this.limit(() => toReportRun(this.client, r, this.uiBase))));
  }

  async pipelineRuns(experimentId: string, pipelineId: string): Promise<ReportRun[]> {
    return this.load(await this.search(experimentId, `tags."dap.pipeline_id" = '${filterValue('pipeline id', pipelineId)}'`));
  }

  /** The runs of the newest pipeline on `branch` (other than `exceptPipeline`), and that pipeline's id. */
  async latestOnBranch(experimentId: string, branch: string, exceptPipeline?: string): Promise<{ pipelineId?: string; runs: ReportRun[] }> {
    const onBranch = await this.search(experimentId, `tags."mlflow.source.git.branch" = '${filterValue('branch', branch)}'`);
    const tag = (r: Run, k: string) => r.data.tags?.find((t) => t.key === k)?.value;
    const newest = onBranch.find((r) => tag(r, 'dap.pipeline_id') !== undefined && tag(r, 'dap.pipeline_id') !== exceptPipeline);
    if (!newest) return { runs: [] };
    const pipelineId = tag(newest, 'dap.pipeline_id')!;
    return { pipelineId, runs: await this.load(onBranch.filter((r) => tag(r, 'dap.pipeline_id') === pipelineId)) };
  }
}
