// MLflow's rules for keys and values (mlflow/utils/validation.py), checked before sending so the
// user gets one clear message instead of a server 400 halfway through a batch.

import path from 'node:path';
import { DapError } from '../../errors.js';

export const LIMITS = {
  metricsPerBatch: 1000,
  paramsPerBatch: 100,
  tagsPerBatch: 100,
  entitiesPerBatch: 1000,
  /** MAX_BATCH_LOG_REQUEST_SIZE = int(1e6) bytes */
  batchBytes: 1_000_000,
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 8000,
} as const;

// Python's `^[/\w.\- :]*$` (colon allowed off Windows); \w is Unicode-aware there too.
const KEY_CHARS = /^[/\p{L}\p{N}\p{M}_.\- :]*$/u;

/** Why `key` is not a valid metric/param/tag key, or undefined when it is valid. */
export function keyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string') return 'keys must be strings';
  if (key.length === 0) return 'keys must not be empty';
  if (key.length > LIMITS.keyLength) return `keys must be at most ${LIMITS.keyLength} characters (this one has ${key.length})`;
  if (!KEY_CHARS.test(key)) return 'keys may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/)';
  // Keys may become file names: they must not normalise to another name, ".", "..", or an absolute path.
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
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0) {
    fail('metric', key, `the timestamp must be a non-negative integer of milliseconds (got ${String(timestamp)})`);
  }
  if (typeof step !== 'number' || !Number.isSafeInteger(step)) fail('metric', key, `the step must be an integer (got ${String(step)})`);
}
