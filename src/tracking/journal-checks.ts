import type { MetricPoint } from './events.js';
import { MAX_TAG_VALUE_LENGTH, int64Problem } from './metric-rules.js';
import { keyProblem } from '../adapters/mlflow/index.js';
import { paramValueProblem } from '../core/spec/mlflow-limits.js';

// A journal is untrusted input (it may come from any job's artifacts, written by an older dap, or
// forged): each item is checked against MLflow's limits before it is sent, so one bad item is
// reported on its own instead of failing the batch it would travel in.

const WIRE_SPECIALS = new Set(['NaN', 'Infinity', '-Infinity']);

/** Why MLflow would refuse this journal point, or undefined. */
export function pointProblem(p: unknown): string | undefined {
  if (!p || typeof p !== 'object') return 'not a metric point';
  const { k, v, s, ts } = p as Partial<MetricPoint>;
  const key = keyProblem(k);
  if (key) return key;
  if (!(typeof v === 'number' && Number.isFinite(v)) && !(typeof v === 'string' && WIRE_SPECIALS.has(v))) return `the value ${JSON.stringify(v)} is not a number`;
  return int64Problem('step', s) ?? int64Problem('timestamp', ts);
}

/** Why MLflow would refuse this param or tag, or undefined. */
export function keyValueProblem(kind: 'param' | 'tag', key: string, value: unknown): string | undefined {
  const k = keyProblem(key);
  if (k) return k;
  if (typeof value !== 'string') return 'the value is not a string';
  if (kind === 'param') return paramValueProblem(value);
  return value.length > MAX_TAG_VALUE_LENGTH ? `the value has ${value.length} characters; MLflow accepts at most ${MAX_TAG_VALUE_LENGTH} per tag` : undefined;
}

/** Short, one-line description of a point for reports. */
export function describePoint(p: unknown): string {
  const { k, s, ts, v } = (p ?? {}) as Partial<MetricPoint>;
  const text = `${JSON.stringify(k)} step ${String(s)} timestamp ${String(ts)} value ${JSON.stringify(v)}`;
  return text.length > 160 ? text.slice(0, 157) + '...' : text;
}
