// Retry limits for HTTP calls, mirroring the MLflow Python client (mlflow/utils/request_utils.py):
// transient statuses 408/429/500/502/503/504 and connection errors, exponential backoff
// `factor * 2^(n-1)` capped at 120 s plus `random() * jitter`, Retry-After honoured.
// Unlike the Python client we also bound the total time spent, so a dead server fails in minutes.

import { UsageError } from '../../errors.js';

export interface RetryPolicy {
  /** retries after the first attempt (Python: MLFLOW_HTTP_REQUEST_MAX_RETRIES, default 7, at most 10) */
  maxRetries: number;
  /** seconds (Python: MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR, default 2, at most 120) */
  backoffFactor: number;
  /** seconds of random jitter added to each backoff (MLFLOW_HTTP_REQUEST_BACKOFF_JITTER, default 1) */
  backoffJitter: number;
  /** per-attempt timeout in ms (MLFLOW_HTTP_REQUEST_TIMEOUT seconds, default 120) */
  timeoutMs: number;
  /** total budget in ms across all attempts and waits (DAP_HTTP_REQUEST_MAX_TOTAL_TIME seconds, default 300) */
  maxTotalMs: number;
}

export const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);
/**
 * The transient statuses that also say the request was not acted on (rate limited, no upstream,
 * unavailable): retried even for a create, where a 500 or 504 might have created the thing already.
 */
export const NOT_ACTED_ON_STATUSES: ReadonlySet<number> = new Set([429, 502, 503]);
const MAX_BACKOFF_SECONDS = 120;

export const defaultRetryPolicy: RetryPolicy = {
  maxRetries: 7,
  backoffFactor: 2,
  backoffJitter: 1,
  timeoutMs: 120_000,
  maxTotalMs: 300_000,
};

function readNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number, integer: boolean): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new UsageError(
      `${name}=${JSON.stringify(raw)} is invalid`,
      `set ${name} to ${integer ? 'an integer' : 'a number'} between ${min} and ${max}, or unset it`,
    );
  }
  return n;
}

/** Reads the MLflow client's retry variables (same names, same limits) and dap's total-time bound. */
export function retryPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): RetryPolicy {
  return {
    maxRetries: readNumber(env, 'MLFLOW_HTTP_REQUEST_MAX_RETRIES', defaultRetryPolicy.maxRetries, 0, 10, true),
    backoffFactor: readNumber(env, 'MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR', defaultRetryPolicy.backoffFactor, 0, 120, false),
    backoffJitter: readNumber(env, 'MLFLOW_HTTP_REQUEST_BACKOFF_JITTER', defaultRetryPolicy.backoffJitter, 0, 60, false),
    timeoutMs: readNumber(env, 'MLFLOW_HTTP_REQUEST_TIMEOUT', defaultRetryPolicy.timeoutMs / 1000, 0.001, 86_400, false) * 1000,
    maxTotalMs: readNumber(env, 'DAP_HTTP_REQUEST_MAX_TOTAL_TIME', defaultRetryPolicy.maxTotalMs / 1000, 0, 86_400, false) * 1000,
  };
}

/** Retry-After as delay in ms: delta-seconds or an HTTP date; undefined when absent or unparsable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The two knobs of the backoff, in seconds; callers without MLflow's variables pass their own. */
export type Backoff = Pick<RetryPolicy, 'backoffFactor' | 'backoffJitter'>;

/** Delay before retry number `retry` (1-based); a server's Retry-After wins over the computed backoff. */
export function backoffDelayMs(policy: Backoff, retry: number, retryAfterMs?: number, random = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, MAX_BACKOFF_SECONDS * 1000);
  // urllib3 waits nothing before the first retry only when factor is 0; otherwise factor * 2^(n-1).
  const base = policy.backoffFactor * 2 ** (retry - 1);
  const seconds = Math.min(MAX_BACKOFF_SECONDS, base + random() * policy.backoffJitter);
  return Math.max(0, seconds * 1000);
}
