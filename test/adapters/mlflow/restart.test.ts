// The MLflow server restarts in the middle of a long log-batch: the client rides it out with
// retries, and afterwards every point is there exactly once. Uses a second MLflow on its own port
// (same Postgres and MinIO, `DAP_MLFLOW_PORT=… scripts/services.sh start-mlflow`) so restarting it
// does not disturb other tests using the main server.

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec } from '../../../src/adapters/exec/exec.js';
import { createMlflowClient, MetricPoint } from '../../../src/adapters/mlflow/index.js';
import { packageRoot } from '../../../src/paths.js';
import { closedPort } from '../../support/fault-proxy.js';
import { pyRunView, requireMlflow, trackingUri, uniqueName } from '../../support/mlflow-services.js';

let port = 0;
const services = async (cmd: string) => {
  const r = await exec(['bash', path.join(packageRoot, 'scripts', 'services.sh'), cmd], {
    env: { ...process.env, DAP_MLFLOW_PORT: String(port) },
    timeoutMs: 300_000,
  });
  if (r.code !== 0) throw new Error(`services.sh ${cmd} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
};

beforeAll(async () => {
  await requireMlflow();
  port = await closedPort();
  await services('start-mlflow');
});
afterAll(async () => {
  if (port) await services('stop-mlflow');
});

describe('MLflow restart mid-batch', () => {
  it('50,000 points across a server restart land exactly once', async () => {
    const main = createMlflowClient({ trackingUri, env: {} });
    const retries: string[] = [];
    const client = createMlflowClient({
      trackingUri: `http://127.0.0.1:${port}`,
      env: {},
      retry: { maxRetries: 10, backoffFactor: 0.5, backoffJitter: 0.2, maxTotalMs: 120_000 },
      onRetry: (e) => retries.push(e.reason),
    });
    const exp = await client.experiments.getOrCreate(uniqueName('restart'));
    const runId = (await client.runs.create({ experimentId: exp.experiment_id })).info.run_id;
    const metrics: MetricPoint[] = Array.from({ length: 50_000 }, (_, i) => ({ key: 'loss', value: 1 / (i + 1), timestamp: 1_700_000_000_000 + i, step: i }));

    const sending = client.runs.logBatch(runId, { metrics });
    // restart once a few chunks have landed (the batch needs 50 requests, several seconds)
    for (let i = 0; i < 100 && (await main.metrics.history(runId, 'loss')).length < 3000; i++) await new Promise((r) => setTimeout(r, 100));
    const restarted = await services('restart-mlflow');
    expect(restarted).toMatch(/mlflow stopped[\s\S]*started/);
    const res = await sending;

    expect(res.requests).toBe(50);
    expect(retries.length).toBeGreaterThan(0); // the restart really hit the batch
    expect(await main.metrics.history(runId, 'loss')).toHaveLength(50_000);
    const view = await pyRunView(runId, ['loss']);
    expect(view.history.loss).toHaveLength(50_000);
    expect(new Set(view.history.loss!.map(([step]) => step)).size).toBe(50_000);
  });
});
