import { createMlflowClient, metricNumber, MlflowError, MlflowValidationError, type MlflowClient, type RunStatus } from '../adapters/mlflow/index.js';
import { HttpConnectionError, TRANSIENT_STATUSES, redactUrl, retryPolicyFromEnv, type RetryPolicy } from '../adapters/http/index.js';
import { silent } from '../adapters/mlflow/errors.js';
import type { MlflowApi, MlflowRunInfo } from './mlflow-api.js';
import { RejectedError } from './sink.js';
import { UnavailableError } from '../errors.js';

// Tracking's view of MLflow (mlflow-api.ts) on top of dap's shared REST client, which does the
// chunking to server limits, retries (408/429/5xx, Retry-After) and auth. Refusals of the data
// itself (4xx other than 408/429) become RejectedError: the shipper reports them and goes on.

export interface SharedApiOptions {
  trackingUri: string;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  retry?: Partial<RetryPolicy>;
}

export function createSharedMlflowApi(opts: SharedApiOptions): MlflowApi {
  // A server that accepts connections and never answers costs one timeout, not one per request and
  // retry: the first timeout before any answer aborts every request of this process at once.
  const breaker = new AbortController();
  const timeoutMs = opts.retry?.timeoutMs ?? retryPolicyFromEnv(opts.env ?? process.env).timeoutMs;
  let answered = false;
  const baseFetch = opts.fetch ?? fetch;
  const watchingFetch = (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const res = await baseFetch(input, init);
    answered = true;
    return res;
  }) as typeof fetch;
  const tripOnSilence = (cause?: unknown) => {
    if (!answered && !breaker.signal.aborted) breaker.abort(silent(redactUrl(opts.trackingUri), timeoutMs, cause));
  };
  const client: MlflowClient = createMlflowClient({
    trackingUri: opts.trackingUri, env: opts.env, fetch: watchingFetch as never, retry: opts.retry, signal: breaker.signal,
    onRetry: (e) => { if (e.reason === 'ETIMEDOUT') tripOnSilence(); },
  });
  const guard = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await guardAt(client.trackingUri, fn);
    } catch (e) {
      // the last (or only) attempt timed out before the server ever answered
      if (e instanceof UnavailableError && e.cause instanceof HttpConnectionError && e.cause.code === 'ETIMEDOUT') {
        tripOnSilence(e.cause);
        if (breaker.signal.aborted) throw breaker.signal.reason;
      }
      throw e;
    }
  };
  return {
    trackingUri: client.trackingUri,
    answered: () => answered,
    getOrCreateExperiment: (name) => guard(async () => (await client.experiments.getOrCreate(name)).experiment_id),
    searchRuns: (experimentId, filter) => guard(async () => {
      const out: MlflowRunInfo[] = [];
      for await (const run of client.runs.searchAll({ experimentIds: [experimentId], filter, maxResults: 1000, viewType: 'ACTIVE_ONLY' })) {
        out.push({ ...info(run.info), tags: Object.fromEntries((run.data?.tags ?? []).map((t) => [t.key, t.value])) });
      }
      return out;
    }),
    createRun: (req) => guard(async () => {
      const tags = Object.fromEntries(req.tags.map((t) => [t.key, t.value]));
      return { ...info((await client.runs.create({ experimentId: req.experimentId, runName: req.runName, startTime: req.startTime, tags })).info), tags };
    }),
    deleteRun: (runId) => guard(() => client.runs.delete(runId)),
    logBatch: (runId, batch) => guard(async () => {
      await client.runs.logBatch(runId, {
        metrics: batch.metrics.map((m) => ({ key: m.key, value: metricNumber(m.value), timestamp: m.timestamp, step: m.step })),
        params: batch.params,
        tags: batch.tags,
      });
    }),
    updateRun: (runId, status, endTime) => guard(async () => { await client.runs.update(runId, { status: status as RunStatus, endTime }); }),
    uploadArtifact: (run, artifactPath, localFile) => guard(async () => { await client.artifacts.upload(run.artifactUri ?? run.runId, localFile, artifactPath); }),
  };
}

function info(i: { run_id: string; experiment_id: string; start_time?: unknown; artifact_uri?: string; status?: string }): MlflowRunInfo {
  return { runId: i.run_id, experimentId: i.experiment_id, startTime: Number(i.start_time ?? 0), artifactUri: i.artifact_uri, status: i.status };
}

async function guardAt<T>(trackingUri: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    // the client's own check of keys and values: one data problem, not a dead server
    if (e instanceof MlflowValidationError) throw new RejectedError(e.message, { status: 400 });
    if (e instanceof MlflowError && e.status >= 400 && e.status < 500 && !TRANSIENT_STATUSES.has(e.status) && e.status !== 401 && e.status !== 403) {
      throw new RejectedError(e.message, { code: e.errorCode, status: e.status });
    }
    // still a transient status (408/429/5xx) after the client's retries — a restarting server, a
    // proxy in front of it, a database that is down: nothing is wrong with the data, so the journal
    // waits and `dap sync` exits 3 (try again later), not 1 (data refused)
    if (e instanceof MlflowError && TRANSIENT_STATUSES.has(e.status)) {
      throw new UnavailableError(`MLflow at ${redactUrl(trackingUri)} is unavailable (HTTP ${e.status} after retries: ${e.message})`, 'check that the tracking server is up, then run dap sync again (nothing is lost: the journals stay)', e);
    }
    throw e;
  }
}
