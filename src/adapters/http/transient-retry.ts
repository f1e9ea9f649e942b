import { backoffDelayMs, parseRetryAfter, TRANSIENT_STATUSES, type Backoff } from './retry-policy.js';
import { answerHeaderOf, httpStatusOf } from './status-of.js';

export { httpStatusOf };

// Bounded retries for calls made through a vendor client (gitbeaker, octokit) that does not retry
// 5xx itself: the transport's transient statuses, Retry-After and backoff (retry-policy.ts), with
// fewer attempts and a shorter first wait. Wrap a whole idempotent step (find-or-create), never a
// bare create.

export interface TransientRetry {
  /** retries after the first attempt */
  retries: number;
  /** ms before the first retry; doubles each time, plus a random jitter of up to this many ms */
  minTimeoutMs: number;
  onRetry?: (e: { attempt: number; retriesLeft: number; status?: number; message: string }) => void;
  /** injected by tests */
  sleep?: (ms: number) => Promise<void>;
}

/** No status at all is a connection failure (refused, reset, DNS): worth another try too. */
export function isTransient(e: unknown): boolean {
  const status = httpStatusOf(e);
  if (status !== undefined) return TRANSIENT_STATUSES.has(status);
  const name = (e as { name?: string })?.name;
  return name !== 'GitbeakerRetryError' && (e instanceof TypeError || /fetch failed|ECONN|ETIMEDOUT|socket/i.test(String((e as Error)?.message)));
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function retryTransient<T>(fn: () => Promise<T>, opts: TransientRetry): Promise<T> {
  const seconds = opts.minTimeoutMs / 1000;
  const backoff: Backoff = { backoffFactor: seconds, backoffJitter: seconds };
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt > opts.retries || !isTransient(e)) throw e;
      const delayMs = backoffDelayMs(backoff, attempt, parseRetryAfter(answerHeaderOf(e, 'retry-after')));
      opts.onRetry?.({ attempt, retriesLeft: opts.retries - attempt + 1, status: httpStatusOf(e), message: (e as Error)?.message ?? String(e) });
      await (opts.sleep ?? defaultSleep)(delayMs);
    }
  }
}

/** DAP_PUBLISH_RETRIES (default 4) and DAP_PUBLISH_BACKOFF_MS (default 1000). */
export function publishRetryFromEnv(env: NodeJS.ProcessEnv): TransientRetry {
  const n = (name: string, fallback: number, max: number) => {
    const v = Number(env[name]);
    return env[name] !== undefined && Number.isInteger(v) && v >= 0 && v <= max ? v : fallback;
  };
  return { retries: n('DAP_PUBLISH_RETRIES', 4, 10), minTimeoutMs: n('DAP_PUBLISH_BACKOFF_MS', 1000, 60_000) };
}
