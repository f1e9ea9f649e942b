// MLflow's own limits (mlflow/utils/validation.py, and the int64 fields of its protos), as pure
// rules: the spec validator, the metric collector, the shipper and the REST client share them.
// The key rule lives with the REST client (src/adapters/mlflow/validation.ts).

export const MAX_KEY_LENGTH = 250;
export const MAX_PARAM_VALUE_LENGTH = 6000;
export const MAX_TAG_VALUE_LENGTH = 8000;

/**
 * Why a step or timestamp cannot travel to MLflow exactly, or undefined. The protos hold them as
 * int64, but a JSON number beyond 2^53 has already lost digits in any JavaScript (or JSON) reader,
 * and MLflow refuses the whole log-batch for one value beyond int64: both are kept out.
 */
export function int64Problem(what: 'step' | 'timestamp', n: unknown): string | undefined {
  if (typeof n !== 'number' || !Number.isInteger(n)) return `the ${what} must be an integer (got ${String(n)})`;
  if (!Number.isSafeInteger(n)) return `the ${what} ${String(n)} is beyond ±${Number.MAX_SAFE_INTEGER}, too large to be kept exactly`;
  if (what === 'timestamp' && n < 0) return `the timestamp must not be negative (got ${n})`;
  return undefined;
}

/** Why a parameter value is refused by MLflow, or undefined. */
export function paramValueProblem(value: string): string | undefined {
  if (value.length > MAX_PARAM_VALUE_LENGTH) return `the value has ${value.length} characters; MLflow accepts at most ${MAX_PARAM_VALUE_LENGTH} per parameter`;
  return undefined;
}

/** Why a tag value is refused by MLflow, or undefined. */
export function tagValueProblem(value: string): string | undefined {
  if (value.length > MAX_TAG_VALUE_LENGTH) return `the value has ${value.length} characters; MLflow accepts at most ${MAX_TAG_VALUE_LENGTH} per tag`;
  return undefined;
}
