import type { TrackingSink } from './sink.js';
import { MlflowSink } from './mlflow-sink.js';
import { createFallbackMlflowApi } from './mlflow-rest.js';

export interface SinkOptions {
  env?: NodeJS.ProcessEnv;
  /** retries per request for 408/429/5xx/network errors */
  maxRetries?: number;
  baseDelayMs?: number;
  fetch?: typeof fetch;
}

/** The sink for a tracking URI (http(s):// MLflow server). */
export function createTrackingSink(trackingUri: string, opts: SinkOptions = {}): TrackingSink {
  return new MlflowSink(createFallbackMlflowApi({ trackingUri, env: opts.env, maxRetries: opts.maxRetries, baseDelayMs: opts.baseDelayMs, fetch: opts.fetch }));
}
