import path from 'node:path';

// MLflow's own limits (mlflow/utils/validation.py, and the int64 fields of its protos), as pure
// rules: the spec validator, the metric collector, the shipper and the REST client share them.

export const MAX_KEY_LENGTH = 250;
export const MAX_PARAM_VALUE_LENGTH = 6000;
export const MAX_TAG_VALUE_LENGTH = 8000;

// Python's `^[/\w.\- :]*$` (colon allowed off Windows); \w is Unicode-aware there too.
const KEY_CHARS = /^[/\p{L}\p{N}\p{M}_.\- :]*$/u;

/** Why `key` is not a valid MLflow metric/param/tag key, or undefined when it is. */
export function keyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string') return 'keys must be strings';
  if (key.length === 0) return 'keys must not be empty';
  if (key.length > MAX_KEY_LENGTH) return `keys must be at most ${MAX_KEY_LENGTH} characters (this one has ${key.length})`;
  if (!KEY_CHARS.test(key)) return 'keys may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/)';
  // keys may become file names: they must not normalise to another name, ".", "..", or an absolute path
  let norm = path.posix.normalize(key);
  if (norm.length > 1 && norm.endsWith('/')) norm = norm.slice(0, -1);
  if (norm !== key || norm === '.' || norm.startsWith('..') || norm.startsWith('/')) {
    return `keys must be plain relative paths (this one resolves to "${norm}")`;
  }
  return undefined;
}

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
