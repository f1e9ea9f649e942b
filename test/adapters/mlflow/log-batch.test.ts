// log-batch against the real server: chunking past every limit, key/length validation,
// NaN/±Inf as MLflow stores them, and server-side dedup of exactly re-sent points.

import { beforeAll, describe, expect, it } from 'vitest';
import { createMlflowClient, LIMITS, MetricPoint, MlflowValidationError, planLogBatch } from '../../../src/adapters/mlflow/index.js';
import { DapError } from '../../../src/errors.js';
import { pyRunView, requireMlflow, trackingUri, uniqueName } from '../../support/mlflow-services.js';

const client = createMlflowClient({ trackingUri, env: {} });
let experimentId = '';

beforeAll(async () => {
  await requireMlflow();
  experimentId = (await client.experiments.getOrCreate(uniqueName('log-batch'))).experiment_id;
});

const newRun = async () => (await client.runs.create({ experimentId })).info.run_id;

function points(key: string, n: number, t0 = 1_700_000_000_000): MetricPoint[] {
  return Array.from({ length: n }, (_, i) => ({ key, value: Math.sin(i) * 100, timestamp: t0 + i, step: i }));
}

describe('chunking', () => {
  it('plans requests within every server limit', () => {
    const metrics = points('m', 2500);
    const params = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${i}`, 'x'.repeat(5000)]));
    const tags = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`t${i}`, 'y'.repeat(7000)]));
    const bodies = planLogBatch('r', { metrics, params, tags });
    let m = 0, p = 0, t = 0;
    for (const b of bodies) {
      expect(Buffer.byteLength(b)).toBeLessThanOrEqual(LIMITS.batchBytes);
      const j = JSON.parse(b) as { metrics: unknown[]; params: unknown[]; tags: unknown[] };
      expect(j.metrics.length).toBeLessThanOrEqual(1000);
      expect(j.params.length).toBeLessThanOrEqual(100);
      expect(j.tags.length).toBeLessThanOrEqual(100);
      expect(j.metrics.length + j.params.length + j.tags.length).toBeLessThanOrEqual(1000);
      m += j.metrics.length; p += j.params.length; t += j.tags.length;
    }
    expect([m, p, t]).toEqual([2500, 250, 150]);
    // 250 × 5 kB params + 150 × 7 kB tags ≈ 2.3 MB: the byte limit, not only counts, splits them.
    expect(bodies.length).toBeGreaterThanOrEqual(4);
  });

  it('2500 metrics, 250 params and 150 tags land completely (read back via REST and the Python client)', async () => {
    const runId = await newRun();
    const metrics = [...points('loss', 1500), ...points('acc', 1000)];
    const params = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${i}`, `v${i}-${'z'.repeat(3000)}`]));
    const tags = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`tag.${i}`, `t${i}`]));
    const res = await client.runs.logBatch(runId, { metrics, params, tags });
    expect(res.requests).toBeGreaterThanOrEqual(3);
    expect(await client.metrics.history(runId, 'loss')).toHaveLength(1500);
    const run = await client.runs.get(runId);
    expect(run.data.params).toHaveLength(250);
    expect(run.data.params?.find((x) => x.key === 'p249')?.value).toBe(params.p249);
    expect(run.data.tags?.filter((x) => x.key.startsWith('tag.'))).toHaveLength(150);

    const view = await pyRunView(runId, ['loss', 'acc']);
    expect(view.history.loss).toHaveLength(1500);
    expect(view.history.acc).toHaveLength(1000);
    expect(view.history.acc?.map(([step]) => step).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(view.history.loss?.[7]?.[1]).toBeCloseTo(Math.sin(7) * 100, 9);
    expect(Object.keys(view.params)).toHaveLength(250);
  });
});

describe('validation', () => {
  const bad: Array<[string, string]> = [
    ['../escape', 'resolves'],
    ['/abs', 'resolves'],
    ['a//b', 'resolves'],
    ['a/./b', 'resolves'],
    ['.', 'resolves'],
    ['bad$key', 'only contain'],
    ['', 'empty'],
    ['k'.repeat(251), 'at most 250'],
  ];
  it.each(bad)('rejects metric key %j before sending anything', async (key, why) => {
    const runId = await newRun();
    const metrics = [...points('good', 5), { key, value: 1, timestamp: 1, step: 0 }];
    const err = await client.runs.logBatch(runId, { metrics }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowValidationError);
    expect(err).toBeInstanceOf(DapError);
    expect((err as Error).message).toContain(why);
    expect((err as Error).message).toContain(JSON.stringify(key).slice(0, 40));
    expect(await client.metrics.history(runId, 'good')).toHaveLength(0); // all-or-nothing
  });

  it('accepts the characters MLflow allows (and the server agrees)', async () => {
    const runId = await newRun();
    const keys = ['a b', 'x/y/z', 'under_score', 'dash-ed', 'dot.ted', 'col:on', 'ünï'];
    await client.runs.logBatch(runId, { metrics: keys.map((key) => ({ key, value: 1, timestamp: 5, step: 1 })) });
    const run = await client.runs.get(runId);
    expect(run.data.metrics?.map((m) => m.key).sort()).toEqual([...keys].sort());
  });

  it('rejects over-long param and tag values and non-numeric metric values with clear messages', async () => {
    const runId = await newRun();
    await expect(client.runs.logBatch(runId, { params: { lr: 'x'.repeat(6001) } })).rejects.toThrow(/param "lr".*6001 characters.*at most 6000/);
    await expect(client.runs.logBatch(runId, { tags: { note: 'x'.repeat(8001) } })).rejects.toThrow(/tag "note".*8001 characters.*at most 8000/);
    await expect(client.runs.setTag(runId, 'note', 'x'.repeat(8001))).rejects.toThrow(/at most 8000/);
    await expect(client.runs.logBatch(runId, { metrics: [{ key: 'm', value: '0.5' as unknown as number, timestamp: 1 }] })).rejects.toThrow(/must be a number \(got "0.5"\)/);
    await expect(client.runs.logBatch(runId, { metrics: [{ key: 'm', value: 1, timestamp: 1.5 }] })).rejects.toThrow(/timestamp/);
    // limits themselves pass
    await client.runs.logBatch(runId, { params: { lr: 'x'.repeat(6000) }, tags: { note: 'y'.repeat(8000) } });
    const run = await client.runs.get(runId);
    expect(run.data.params?.[0]?.value).toHaveLength(6000);
  });
});

describe('non-finite values and dedup', () => {
  it('NaN and ±Infinity are accepted and stored as MLflow does (NaN; ±Inf as ±max double)', async () => {
    const runId = await newRun();
    const metrics = [NaN, Infinity, -Infinity, 0.25].map((value, step) => ({ key: 'v', value, timestamp: 1000 + step, step }));
    await client.runs.logBatch(runId, { metrics });
    const hist = (await client.metrics.history(runId, 'v')).sort((a, b) => Number(a.step) - Number(b.step));
    expect(hist.map((m) => m.value)).toEqual(['NaN', Number.MAX_VALUE, -Number.MAX_VALUE, 0.25]);
    const view = await pyRunView(runId, ['v']);
    expect(view.history.v?.map(([, v]) => v)).toEqual([null, Number.MAX_VALUE, -Number.MAX_VALUE, 0.25]);
  });

  it('re-sending identical points (same key, value, timestamp, step) adds nothing — also NaN points', async () => {
    const runId = await newRun();
    const metrics = [...points('loss', 1200), { key: 'loss', value: NaN, timestamp: 42, step: 5000 }];
    await client.runs.logBatch(runId, { metrics, params: { seed: '1' } });
    await client.runs.logBatch(runId, { metrics, params: { seed: '1' } }); // the whole re-send
    await client.runs.logBatch(runId, { metrics: metrics.slice(100, 300) }); // a partial re-send
    await client.runs.logBatch(runId, { metrics: [...metrics.slice(0, 3), ...metrics.slice(0, 3)] }); // duplicates within one request
    expect(await client.metrics.history(runId, 'loss')).toHaveLength(1201);
    const view = await pyRunView(runId, ['loss']);
    expect(view.history.loss).toHaveLength(1201);
    // What dedup does NOT cover: the same step with a new timestamp is a second point.
    await client.runs.logBatch(runId, { metrics: [{ ...metrics[0]!, timestamp: metrics[0]!.timestamp + 1 }] });
    expect(await client.metrics.history(runId, 'loss')).toHaveLength(1202);
  });

  it('re-logging a param with another value is an MLflow INVALID_PARAMETER_VALUE error', async () => {
    const runId = await newRun();
    await client.runs.logBatch(runId, { params: { lr: '0.1' } });
    const err = await client.runs.logBatch(runId, { params: { lr: '0.2' } }).catch((e: unknown) => e);
    expect((err as { errorCode?: string }).errorCode).toBe('INVALID_PARAMETER_VALUE');
  });
});
