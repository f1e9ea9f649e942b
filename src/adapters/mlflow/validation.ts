// MLflow's rules for keys and values (mlflow/utils/validation.py), checked before sending so the
// user gets one clear message instead of a server 400 halfway through a batch.

import path from 'node:path';
import { MAX_KEY_LENGTH, MAX_PARAM_VALUE_LENGTH, MAX_TAG_VALUE_LENGTH, int64Problem } from '../../core/spec/mlflow-limits.js';
import { DapError } from '../../errors.js';

export const LIMITS = {
  metricsPerBatch: 1000,
  paramsPerBatch: 100,
  tagsPerBatch: 100,
  entitiesPerBatch: 1000,
  /** MAX_BATCH_LOG_REQUEST_SIZE = int(1e6) bytes */
  batchBytes: 1_000_000,
  keyLength: MAX_KEY_LENGTH,
  paramValueLength: MAX_PARAM_VALUE_LENGTH,
  tagValueLength: MAX_TAG_VALUE_LENGTH,
} as const;

// MLflow's `^[/\w.\- :]*$` (colon allowed off Windows; the server is Linux). Python's \w is
// letters, numbers and `_` only: no combining marks, no other connector punctuation. Unlike
// Python's `$`, this refuses a trailing newline too.
const KEY_CHARS = /^[/\p{L}\p{N}_.\- :]*$/u;

/**
 * Why `key` is not a valid MLflow metric/param/tag key, or undefined when it is: the server's
 * `_validate_metric_name`/`_validate_param_name`/`_validate_tag_name` plus its 250-character limit.
 */
export function keyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string') return 'keys must be strings';
  if (key.length === 0) return 'keys must not be empty';
  const chars = [...key].length; // Python (and the database) count code points, not UTF-16 units
  if (chars > MAX_KEY_LENGTH) return `keys must be at most ${MAX_KEY_LENGTH} characters (this one has ${chars})`;
  if (!KEY_CHARS.test(key)) return 'keys may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/)';
  // MLflow's path_not_unique: keys may become file names, so they must not normalise to another
  // name, ".", "..", or an absolute path. Python's normpath drops a trailing "/", Node's keeps it.
  let norm = path.posix.normalize(key);
  if (norm.length > 1 && norm.endsWith('/')) norm = norm.slice(0, -1);
  if (norm !== key || norm === '.' || norm.startsWith('..') || norm.startsWith('/')) {
    return `keys must be plain relative paths (this one resolves to "${norm}")`;
  }
  return undefined;
}

/** Data MLflow would refuse, caught before sending (nothing of the batch was sent). */
export class MlflowValidationError extends DapError {
  constructor(message: string) {
    super(message, { hint: 'rename the key (MLflow rejects such keys) or fix the value' });
    this.name = 'MlflowValidationError';
  }
}

function fail(what: string, key: unknown, problem: string): never {
  throw new MlflowValidationError(`invalid ${what} ${JSON.stringify(key)}: ${problem}`);
}

export function checkKey(what: 'metric key' | 'param key' | 'tag key', key: unknown): void {
  const p = keyProblem(key);
  if (p) fail(what, key, p);
}

export function checkParam(key: string, value: unknown): void {
  checkKey('param key', key);
  if (typeof value !== 'string') fail('param', key, 'the value must be a string');
  if (value.length > LIMITS.paramValueLength) {
    fail('param', key, `the value has ${value.length} characters, MLflow allows at most ${LIMITS.paramValueLength}`);
  }
}

export function checkTag(key: string, value: unknown): void {
  checkKey('tag key', key);
  if (typeof value !== 'string') fail('tag', key, 'the value must be a string');
  if (value.length > LIMITS.tagValueLength) {
    fail('tag', key, `the value has ${value.length} characters, MLflow allows at most ${LIMITS.tagValueLength}`);
  }
}

/** Why a metric value is unusable, or undefined. NaN and ±Infinity are valid, as in MLflow. */
export function metricValueProblem(value: unknown): string | undefined {
  if (typeof value !== 'number') return `the value must be a number (got ${typeof value})`;
  return undefined;
}

export function checkMetric(key: string, value: unknown, timestamp: unknown, step: unknown): void {
  checkKey('metric key', key);
  const p = metricValueProblem(value);
  if (p) fail('metric', key, p);
  const bad = int64Problem('timestamp', timestamp) ?? int64Problem('step', step);
  if (bad) fail('metric', key, bad);
}
