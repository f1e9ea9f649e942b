// MLflow's rules for keys and values (mlflow/utils/validation.py), checked before sending so the
// user gets one clear message instead of a server 400 halfway through a batch.

import { MAX_KEY_LENGTH, MAX_PARAM_VALUE_LENGTH, MAX_TAG_VALUE_LENGTH, int64Problem, keyProblem } from '../../core/spec/mlflow-limits.js';
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

export { keyProblem };

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
