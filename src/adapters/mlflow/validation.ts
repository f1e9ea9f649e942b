// MLflow's rules for keys and values (mlflow/utils/validation.py), checked before sending so the
// user gets one clear message instead of a server 400 halfway through a batch.

import path from 'node:path';
import { MAX_KEY_LENGTH, MAX_PARAM_VALUE_LENGTH, MAX_TAG_VALUE_LENGTH, int64Problem, paramValueProblem, tagValueProblem } from '../../core/mlflow/limits.js';
import { metricValueProblem } from '../../core/mlflow/values.js';
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

function refuse(kind: 'metric' | 'param' | 'tag', key: unknown, problem: string | undefined): void {
  if (problem) throw new MlflowValidationError(`invalid ${kind}${keyProblem(key) ? ' key' : ''} ${JSON.stringify(key)}: ${problem}`);
}

/** Why MLflow would refuse this param, or undefined. */
export function paramProblem(key: unknown, value: unknown): string | undefined {
  return keyProblem(key) ?? (typeof value !== 'string' ? 'the value must be a string' : paramValueProblem(value));
}

/** Why MLflow would refuse this tag, or undefined. */
export function tagProblem(key: unknown, value: unknown): string | undefined {
  return keyProblem(key) ?? (typeof value !== 'string' ? 'the value must be a string' : tagValueProblem(value));
}

/** Why MLflow would refuse this metric point, or undefined. */
export function metricProblem(key: unknown, value: unknown, timestamp: unknown, step: unknown): string | undefined {
  return keyProblem(key) ?? metricValueProblem(value) ?? int64Problem('timestamp', timestamp) ?? int64Problem('step', step);
}

export function checkParam(key: string, value: unknown): void {
  refuse('param', key, paramProblem(key, value));
}

export function checkTag(key: string, value: unknown): void {
  refuse('tag', key, tagProblem(key, value));
}

export function checkMetric(key: string, value: unknown, timestamp: unknown, step: unknown): void {
  refuse('metric', key, metricProblem(key, value, timestamp, step));
}
