import type { TrackingSink } from './sink.js';
import { MlflowSink } from './mlflow-sink.js';
import { createSharedMlflowApi } from './mlflow-shared-api.js';

export interface SinkOptions {
  env?: NodeJS.ProcessEnv;
  /** retries per request for 408/429/5xx/network errors (default: MLFLOW_HTTP_REQUEST_MAX_RETRIES or 7) */
  maxRetries?: number;
  /** first backoff in ms, doubling (default: MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR) */
  baseDelayMs?: number;
  /** per-attempt timeout in ms (default: MLFLOW_HTTP_REQUEST_TIMEOUT or 120 s) */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** The sink for a tracking URI (an http(s):// MLflow server). */
export function createTrackingSink(trackingUri: string, opts: SinkOptions = {}): TrackingSink {
  const retry: { maxRetries?: number; backoffFactor?: number; backoffJitter?: number; timeoutMs?: number } = {};
  if (opts.timeoutMs !== undefined) retry.timeoutMs = opts.timeoutMs;
  if (opts.maxRetries !== undefined) retry.maxRetries = opts.maxRetries;
  if (opts.baseDelayMs !== undefined) {
    retry.backoffFactor = opts.baseDelayMs / 1000;
    retry.backoffJitter = opts.baseDelayMs / 2000;
  }
  return new MlflowSink(createSharedMlflowApi({ trackingUri, env: opts.env, fetch: opts.fetch, retry }));
}
