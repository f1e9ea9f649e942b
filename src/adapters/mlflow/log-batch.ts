// runs/log-batch with automatic chunking to the server's limits (validation.ts LIMITS) and
// MLflow's JSON encoding of non-finite doubles.
//
// Idempotency: the SQL store keys metric rows on (run, key, timestamp, step, value, is_nan) and
// drops exact duplicates, both within a request and against stored rows. A retried or re-shipped
// request therefore adds nothing as long as each point keeps the timestamp it was first given —
// callers must stamp points once (when journaled), never at send time. Params are immutable
// (same value again is accepted), tags are overwritten: both are safe to re-send.

import type { MetricValue } from '../../core/mlflow/values.js';
import { API, MlflowHttp } from './api.js';
import { LIMITS, checkMetric, checkParam, checkTag } from './validation.js';

export interface MetricPoint {
  key: string;
  /** a JS number (NaN, ±Infinity included) or MLflow's wire string for NaN/±Infinity */
  value: MetricValue;
  /** ms since epoch; part of the point's identity, so keep it stable across re-sends */
  timestamp: number;
  step?: number;
}

export interface LogBatchInput {
  metrics?: readonly MetricPoint[];
  params?: Readonly<Record<string, string>> | ReadonlyArray<{ key: string; value: string }>;
  tags?: Readonly<Record<string, string>> | ReadonlyArray<{ key: string; value: string }>;
}

export interface LogBatchResult { requests: number; metrics: number; params: number; tags: number }

export interface LogBatchLimits {
  metricsPerBatch: number;
  paramsPerBatch: number;
  tagsPerBatch: number;
  entitiesPerBatch: number;
  batchBytes: number;
}

/**
 * A value as MLflow stores it: NaN as "NaN"; ±Infinity as ±1.7976931348623157e308, because SQL has
 * no infinities and the store writes that (sqlalchemy_store.py). Sent so, what dap sends is exactly
 * what the server keeps and returns on every store and version, and a re-sent point is identical
 * to the stored row.
 */
export function encodeMetricValue(v: MetricValue): string {
  const n = typeof v === 'number' ? v : Number(v);
  if (Number.isNaN(n)) return '"NaN"';
  if (n === Infinity) return JSON.stringify(Number.MAX_VALUE);
  if (n === -Infinity) return JSON.stringify(-Number.MAX_VALUE);
  return JSON.stringify(n);
}

function pairs(x: LogBatchInput['params']): Array<{ key: string; value: string }> {
  if (!x) return [];
  return Array.isArray(x) ? [...x] : Object.entries(x).map(([key, value]) => ({ key, value: value as string }));
}

interface Chunk { metrics: string[]; params: string[]; tags: string[]; bytes: number }

/** Validates everything first (nothing is sent when one item is bad), then packs items into request bodies. */
export function planLogBatch(runId: string, input: LogBatchInput, limits: LogBatchLimits = LIMITS): string[] {
  const metrics = (input.metrics ?? []).map((m) => {
    const step = m.step ?? 0;
    checkMetric(m.key, m.value, m.timestamp, step);
    return `{"key":${JSON.stringify(m.key)},"value":${encodeMetricValue(m.value)},"timestamp":${m.timestamp},"step":${step}}`;
  });
  const params = pairs(input.params).map(({ key, value }) => (checkParam(key, value), JSON.stringify({ key, value })));
  const tags = pairs(input.tags).map(({ key, value }) => (checkTag(key, value), JSON.stringify({ key, value })));

  const envelope = Buffer.byteLength(`{"run_id":${JSON.stringify(runId)},"metrics":[],"params":[],"tags":[]}`);
  const chunks: Chunk[] = [];
  let cur: Chunk | undefined;
  const add = (kind: 'metrics' | 'params' | 'tags', item: string, perKind: number) => {
    const size = Buffer.byteLength(item) + 1; // + separating comma
    if (envelope + size > limits.batchBytes) throw new Error(`log-batch item larger than ${limits.batchBytes} bytes`);
    const full = (c: Chunk) =>
      c[kind].length >= perKind ||
      c.metrics.length + c.params.length + c.tags.length >= limits.entitiesPerBatch ||
      c.bytes + size > limits.batchBytes;
    if (!cur || full(cur)) {
      cur = { metrics: [], params: [], tags: [], bytes: envelope };
      chunks.push(cur);
    }
    cur[kind].push(item);
    cur.bytes += size;
  };
  // Params and tags first: they are few and belong with the run's first request.
  for (const p of params) add('params', p, limits.paramsPerBatch);
  for (const t of tags) add('tags', t, limits.tagsPerBatch);
  for (const m of metrics) add('metrics', m, limits.metricsPerBatch);
  return chunks.map(
    (c) => `{"run_id":${JSON.stringify(runId)},"metrics":[${c.metrics.join(',')}],"params":[${c.params.join(',')}],"tags":[${c.tags.join(',')}]}`,
  );
}

export async function logBatch(api: MlflowHttp, runId: string, input: LogBatchInput): Promise<LogBatchResult> {
  const bodies = planLogBatch(runId, input);
  for (const body of bodies) {
    await api.send(
      { method: 'POST', path: `${API}/runs/log-batch`, body: () => body, headers: { 'Content-Type': 'application/json' } },
      `log-batch for run ${runId}`,
    );
  }
  return {
    requests: bodies.length,
    metrics: input.metrics?.length ?? 0,
    params: pairs(input.params).length,
    tags: pairs(input.tags).length,
  };
}
