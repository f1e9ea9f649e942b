import type { JournalPoint } from './events.js';
import { metricProblem } from '../adapters/mlflow/index.js';

// A journal is untrusted input (it may come from any job's artifacts, written by an older dap, or
// forged): each item is checked against MLflow's limits before it is sent, so one bad item is
// reported on its own instead of failing the batch it would travel in.

/** Why MLflow would refuse this journal point, or undefined. */
export function pointProblem(p: unknown): string | undefined {
  if (!p || typeof p !== 'object') return 'not a metric point';
  const { k, v, s, ts } = p as Partial<JournalPoint>;
  return metricProblem(k, v, ts, s);
}

/** Short, one-line description of a point for reports. */
export function describePoint(p: unknown): string {
  const { k, s, ts, v } = (p ?? {}) as Partial<JournalPoint>;
  const text = `${JSON.stringify(k)} step ${String(s)} timestamp ${String(ts)} value ${JSON.stringify(v)}`;
  return text.length > 160 ? text.slice(0, 157) + '...' : text;
}
