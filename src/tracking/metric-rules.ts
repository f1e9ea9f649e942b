import type { MetricValue } from './events.js';

// MLflow's own rules (mlflow/utils/validation.py), checked before a point enters the journal so a
// bad point is reported once, at the source, instead of failing a whole batch on the server.

export { MAX_KEY_LENGTH, MAX_PARAM_VALUE_LENGTH, MAX_TAG_VALUE_LENGTH, int64Problem } from '../core/spec/mlflow-limits.js';

/**
 * A JSON value as a metric value, the way MLflow takes it: finite numbers as they are, NaN and
 * ±Infinity (as JS numbers or the strings "NaN", "Infinity", "-Infinity", "inf", "-inf") as
 * MLflow's wire strings (the server stores NaN as NaN and clamps ±Inf to ±1.7976931348623157e308).
 * Booleans, other strings, null and objects are not metrics.
 */
export function toMetricValue(raw: unknown): MetricValue | undefined {
  if (typeof raw === 'number') {
    if (Number.isNaN(raw)) return 'NaN';
    if (raw === Infinity) return 'Infinity';
    if (raw === -Infinity) return '-Infinity';
    return raw;
  }
  if (typeof raw === 'string') {
    const s = raw.trim().toLowerCase();
    if (s === 'nan') return 'NaN';
    if (s === 'inf' || s === 'infinity' || s === '+inf' || s === '+infinity') return 'Infinity';
    if (s === '-inf' || s === '-infinity') return '-Infinity';
  }
  return undefined;
}

/** A numeric cell from a CSV or a number-like string: the same rules, plus plain decimal text. */
export function parseNumericText(text: string): MetricValue | undefined {
  const special = toMetricValue(text);
  if (special !== undefined) return special;
  const t = text.trim();
  if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}
