import { createRequesterFn, GitbeakerRequestError, getMatchingRateLimiter } from '@gitbeaker/requester-utils';
import type { RequestHandlerFn } from '@gitbeaker/requester-utils';
import { backoffDelayMs, NOT_ACTED_ON_STATUSES, parseRetryAfter, type Backoff } from '../http/retry-policy.js';

// gitbeaker's request handler with one change: on 429 (and 502/503) it waits as long as GitLab's
// Retry-After says, up to a bound, instead of gitbeaker's fixed sub-second backoff that gives up
// before a rate limit window ends. Statuses, Retry-After and backoff are the transport's
// (retry-policy.ts); only the statuses that say nothing was done are retried, as this handler
// also sends creates. Bodies are read the way @gitbeaker/rest reads them.

export interface RetryAfterOptions {
  /** attempts after the first */
  maxRetries?: number;
  /** longest single wait; a longer Retry-After fails at once with the 429 */
  maxWaitMs?: number;
  /** told before each wait (progress, tests) */
  /** `told`: the wait is the server's Retry-After, not dap's own backoff */
  onWait?: (status: number, waitMs: number, endpoint: string, told: boolean) => void;
  sleep?: (ms: number) => Promise<void>;
}

/** 1 s, 2 s, 4 s … without jitter when GitLab sends no Retry-After */
const BACKOFF: Backoff = { backoffFactor: 1, backoffJitter: 0 };

export function retryAfterRequester(opts: RetryAfterOptions = {}) {
  const maxRetries = opts.maxRetries ?? 4;
  const maxWaitMs = opts.maxWaitMs ?? 60_000;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const handler: RequestHandlerFn = async (endpoint, options) => {
    const { rateLimiters, agent, asStream, prefixUrl, searchParams, method, ...rest } = (options ?? {}) as Record<string, unknown> & { rateLimiters?: never; searchParams?: string; prefixUrl?: string; method?: string; asStream?: boolean; agent?: unknown };
    void agent;
    const rateLimit = getMatchingRateLimiter(endpoint, rateLimiters, method);
    const base = prefixUrl ? (prefixUrl.endsWith('/') ? prefixUrl : `${prefixUrl}/`) : undefined;
    const url = new URL(endpoint, base);
    url.search = searchParams ?? '';
    for (let attempt = 0; ; attempt++) {
      const request = new Request(url, { ...(rest as RequestInit), method });
      await rateLimit();
      const response = await fetch(request);
      if (response.ok) {
        const headers = Object.fromEntries(response.headers.entries());
        const body = asStream ? response.body : response.status === 204 ? null : await readBody(response);
        return { body, headers, status: response.status } as never;
      }
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      const wait = backoffDelayMs(BACKOFF, attempt + 1, retryAfterMs);
      if (!NOT_ACTED_ON_STATUSES.has(response.status) || attempt >= maxRetries || (retryAfterMs ?? wait) > maxWaitMs) {
        const text = await response.text();
        let description = text;
        if (response.headers.get('content-type')?.includes('application/json')) {
          try {
            const parsed = JSON.parse(text) as { error?: unknown; message?: unknown };
            const d = parsed?.error ?? parsed?.message ?? '';
            description = typeof d === 'string' ? d : JSON.stringify(d);
          } catch { /* keep the text */ }
        }
        throw new GitbeakerRequestError(description, { cause: { description, request, response } });
      }
      await response.arrayBuffer().catch(() => undefined);
      opts.onWait?.(response.status, wait, endpoint, retryAfterMs !== undefined);
      await sleep(wait);
    }
  };
  return createRequesterFn((_, reqo) => Promise.resolve(reqo), handler);
}

async function readBody(response: Response): Promise<unknown> {
  const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
  if (type === 'application/json') return (await response.json()) || {};
  if (type.startsWith('text/')) return (await response.text()) || '';
  return response.blob();
}
