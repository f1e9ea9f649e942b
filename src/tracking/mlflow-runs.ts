import { readSpecFiles } from './spec-files.js';
import { createMlflowClient, type Run } from '../adapters/mlflow/index.js';
import { metricNumber, type RunStatus } from '../core/mlflow/values.js';
import { goalFor, type MetricSummary, type RunSummary } from './run-summary.js';

// `dap runs --mlflow`: the same rows as from journals, read from the tracking server instead.

export interface MlflowRunsOptions {
  trackingUri: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** MLflow experiment names; default: those of experiments/*.yaml (tracking.experiment or name) */
  experiments?: string[];
}

interface SpecRanking { experiment: string; primary?: string; goal?: 'minimize' | 'maximize' }

export async function listMlflowRuns(opts: MlflowRunsOptions): Promise<RunSummary[]> {
  const client = createMlflowClient({ trackingUri: opts.trackingUri, env: opts.env });
  const specs = specRankings(opts.cwd);
  const names = opts.experiments?.length ? opts.experiments : specs.map((s) => s.experiment);
  const out: RunSummary[] = [];
  for (const name of names) {
    const exp = await client.experiments.getByName(name);
    if (!exp) continue;
    const ranking = specs.find((s) => s.experiment === name);
    for await (const run of client.runs.searchAll({ experimentIds: [exp.experiment_id], maxResults: 1000, viewType: 'ACTIVE_ONLY' })) {
      out.push(await summarize(client, name, run, ranking, client.trackingUri));
    }
  }
  return out;
}

async function summarize(client: ReturnType<typeof createMlflowClient>, experiment: string, run: Run, ranking: SpecRanking | undefined, uri: string): Promise<RunSummary> {
  const tags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
  const metrics: Record<string, MetricSummary> = {};
  for (const m of run.data.metrics ?? []) {
    const history = await client.metrics.history(run.info.run_id, m.key);
    const values = history.map((h) => metricNumber(h.value));
    const latest = metricNumber(m.value);
    const min = Math.min(...values);
    const max = Math.max(...values);
    const best = goalFor(m.key, ranking) === 'minimize' ? min : max;
    metrics[m.key] = { last: latest, lastStep: Number(m.step ?? 0), min, max, best, points: history.length };
  }
  return {
    journal: `mlflow:${run.info.run_id}`,
    identity: tags['dap.identity'] ?? run.info.run_id,
    experiment,
    runKey: tags['dap.run_key'],
    runIndex: tags['dap.run_index'] === undefined ? undefined : Number(tags['dap.run_index']),
    runName: run.info.run_name ?? run.info.run_id,
    status: run.info.status as RunStatus,
    startTime: Number(run.info.start_time ?? 0),
    endTime: run.info.end_time === undefined ? undefined : Number(run.info.end_time),
    params: Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value])),
    metrics,
    primary: ranking?.primary,
    goal: ranking?.goal,
    shippedTo: [uri],
    attemptOf: tags['dap.attempt_of'],
  };
}

function specRankings(cwd: string): SpecRanking[] {
  const out: SpecRanking[] = [];
  for (const spec of readSpecFiles(cwd)) {
    const doc = spec.data as { name?: unknown; tracking?: { experiment?: unknown }; metrics?: { primary?: unknown; goal?: unknown } } | null;
    if (typeof doc?.name !== 'string') continue;
    const g = doc.metrics?.goal;
    out.push({
      experiment: typeof doc.tracking?.experiment === 'string' ? doc.tracking.experiment : doc.name,
      primary: typeof doc.metrics?.primary === 'string' ? doc.metrics.primary : undefined,
      goal: g === 'minimize' || g === 'maximize' ? g : undefined,
    });
  }
  return out;
}
