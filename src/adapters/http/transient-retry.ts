import pRetry from 'p-retry';
import { TRANSIENT_STATUSES } from './retry-policy.js';
import { httpStatusOf } from './status-of.js';

export { httpStatusOf };

// Bounded retries for calls made through a vendor client (gitbeaker, octokit) that does not retry
// 5xx itself: the same transient statuses as our own transport, a few attempts, short backoff.
// Wrap a whole idempotent step (find-or-create), never a bare create.

export interface TransientRetry {
  /** retries after the first attempt */
  retries: number;
  /** ms before the first retry; doubles each time */
  minTimeoutMs: number;
  onRetry?: (e: { attempt: number; retriesLeft: number; status?: number; message: string }) => void;
}


/** No status at all is a connection failure (refused, reset, DNS): worth another try too. */
export function isTransient(e: unknown): boolean {
  const status = httpStatusOf(e);
  if (status !== undefined) return TRANSIENT_STATUSES.has(status);
  const name = (e as { name?: string })?.name;
  return name !== 'GitbeakerRetryError' && (e instanceof TypeError || /fetch failed|ECONN|ETIMEDOUT|socket/i.test(String((e as Error)?.message)));
}

export function retryTransient<T>(fn: () => Promise<T>, opts: TransientRetry): Promise<T> {
  return pRetry(fn, {
    retries: opts.retries,
    minTimeout: opts.minTimeoutMs,
    factor: 2,
    randomize: true,
    shouldRetry: (e) => isTransient(e),
    onFailedAttempt: (e) => {
      if (isTransient(e) && e.retriesLeft > 0) opts.onRetry?.({ attempt: e.attemptNumber, retriesLeft: e.retriesLeft, status: httpStatusOf(e), message: e.message });
    },
  });
}

/** DAP_PUBLISH_RETRIES (default 4) and DAP_PUBLISH_BACKOFF_MS (default 1000). */
export function publishRetryFromEnv(env: NodeJS.ProcessEnv): TransientRetry {
  const n = (name: string, fallback: number, max: number) => {
    const v = Number(env[name]);
    return env[name] !== undefined && Number.isInteger(v) && v >= 0 && v <= max ? v : fallback;
  };
  return { retries: n('DAP_PUBLISH_RETRIES', 4, 10), minTimeoutMs: n('DAP_PUBLISH_BACKOFF_MS', 1000, 60_000) };
}
