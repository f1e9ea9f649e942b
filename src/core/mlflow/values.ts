// A run's status and a metric's value as MLflow defines them (service.proto): one model for the
// journal, the REST client, `dap runs` and reports.

export const RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export function isRunStatus(x: unknown): x is RunStatus {
  return (RUN_STATUSES as readonly unknown[]).includes(x);
}

/** A metric value in MLflow's JSON (protobuf doubles): NaN and ±Infinity travel as strings. */
export type MetricValue = number | 'NaN' | 'Infinity' | '-Infinity';

const WIRE_SPECIALS: ReadonlySet<unknown> = new Set(['NaN', 'Infinity', '-Infinity']);

/** Why a value is not a metric value MLflow takes, or undefined. NaN and ±Infinity are valid. */
export function metricValueProblem(v: unknown): string | undefined {
  if (typeof v === 'number' || WIRE_SPECIALS.has(v)) return undefined;
  return `the value must be a number (got ${JSON.stringify(v) ?? String(v)})`;
}

/**
 * A JSON value as a metric value, the way MLflow takes it: finite numbers as they are, NaN and
 * ±Infinity (as JS numbers or the strings "NaN", "Infinity", "-Infinity", "inf", "-inf") as
 * MLflow's wire strings. Booleans, other strings, null and objects are not metrics.
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

/** A metric value as a JS number (NaN and ±Infinity included). */
export function metricNumber(v: MetricValue | string): number {
  return typeof v === 'number' ? v : Number(v);
}
