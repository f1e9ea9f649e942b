// One HTTP transport for dap's REST clients: injected fetch, Authorization from a credentials
// provider, retries (policy in retry-policy.ts) in this one place rather than in each resource.
// Errors carry method, URL (without userinfo) and status, never request headers.

import { CredentialsProvider } from './credentials.js';
import { RetryPolicy, TRANSIENT_STATUSES, backoffDelayMs, defaultRetryPolicy, parseRetryAfter } from './retry-policy.js';

export type FetchLike = typeof fetch;
type BodyInit = NonNullable<RequestInit["body"]>;
type Query = Record<string, string | number | boolean | undefined | ReadonlyArray<string | number>>;
/** A body that can be produced again for each attempt (a file stream is re-opened on retry). */
export type BodySource = () => BodyInit | AsyncIterable<Uint8Array> | Promise<BodyInit | AsyncIterable<Uint8Array>>;

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** path relative to the base URL, or an absolute http(s) URL (e.g. a presigned storage URL) */
  path: string;
  query?: Query;
  json?: unknown;
  body?: BodySource;
  headers?: Record<string, string>;
  /** send our Authorization header (default true; false for presigned URLs of another host) */
  auth?: boolean;
  /** retry transient failures (default true) */
  retry?: boolean;
  /**
   * Read the whole answer within the attempt (small JSON answers, not downloads): a body that stalls
   * times out and a body cut off mid-way is retried like a reset, instead of failing the caller later.
   */
  buffer?: boolean;
  signal?: AbortSignal;
}

export interface RetryEvent {
  attempt: number; // the attempt that failed, 1-based
  delayMs: number;
  reason: string; // "HTTP 503" or "ECONNRESET"
}

export interface HttpTransportOptions {
  baseUrl: string;
  fetch?: FetchLike;
  credentials?: CredentialsProvider;
  retry?: RetryPolicy;
  userAgent?: string;
  onRetry?: (e: RetryEvent) => void;
  sleep?: (ms: number) => Promise<void>;
}

/** The server could not be reached (after retries): refused, reset, DNS, timeout. */
export class HttpConnectionError extends Error {
  readonly code: string;
  readonly attempts: number;
  constructor(message: string, code: string, attempts: number, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'HttpConnectionError';
    this.code = code;
    this.attempts = attempts;
  }
}

/**
 * A URL without its user:password@, otherwise as written (messages, logs, and the shipper's cursor
 * keys, which must stay stable). The userinfo ends at the authority's last `@`, as URL parsers read it.
 */
export function redactUrl(url: string | URL): string {
  return String(url).replace(/\/\/[^/?#]*@/, '//');
}

function errorCode(err: unknown): string {
  let e: unknown = err;
  for (let i = 0; i < 4 && e; i++) {
    const o = e as { code?: unknown; name?: unknown; cause?: unknown };
    if (typeof o.code === 'string') return o.code;
    if (o.name === 'TimeoutError') return 'ETIMEDOUT';
    if (!o.cause && typeof (o as { message?: unknown }).message === 'string') return (o as { message: string }).message;
    e = o.cause;
  }
  return (err as { name?: string })?.name ?? 'EUNKNOWN';
}

function isStream(b: unknown): b is AsyncIterable<Uint8Array> {
  return typeof b === 'object' && b !== null && Symbol.asyncIterator in b;
}

class IdleTimer {
  private readonly ctrl = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly ms: number) {
    this.touch();
  }
  get signal(): AbortSignal {
    return this.ctrl.signal;
  }
  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.ctrl.abort(new DOMException(`no progress for ${this.ms} ms`, 'TimeoutError')), this.ms);
  }
  stop(): void {
    clearTimeout(this.timer);
  }
  async *watch(src: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of src) {
      this.touch();
      yield chunk;
    }
  }
}

/** The answer with its body read (still under the attempt's idle timer). */
async function buffered(res: Response): Promise<Response> {
  const bytes = await res.arrayBuffer();
  const nullBody = res.status === 204 || res.status === 205 || res.status === 304;
  return new Response(nullBody ? null : bytes, { status: res.status, statusText: res.statusText, headers: res.headers });
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Sleeps `ms`, or less when the signal aborts first (its listener is removed either way). */
async function sleepUnlessAborted(sleep: (ms: number) => Promise<void>, ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return sleep(ms);
  let onAbort = () => {};
  const abort = new Promise<void>((r) => { onAbort = r; signal.addEventListener('abort', onAbort, { once: true }); });
  try {
    await Promise.race([sleep(ms), abort]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

export class HttpTransport {
  readonly baseUrl: string;
  private readonly fetchFn: FetchLike;
  private readonly credentials: CredentialsProvider;
  private readonly policy: RetryPolicy;
  private readonly opts: HttpTransportOptions;

  constructor(opts: HttpTransportOptions) {
    this.opts = opts;
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? fetch;
    this.credentials = opts.credentials ?? (() => undefined);
    this.policy = opts.retry ?? defaultRetryPolicy;
  }

  url(path: string, query?: Query): URL {
    const u = /^https?:\/\//.test(path) ? new URL(path) : new URL(this.baseUrl + (path.startsWith('/') ? '' : '/') + path);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const item of v) u.searchParams.append(k, String(item));
      else u.searchParams.set(k, String(v));
    }
    return u;
  }

  /**
   * Sends the request, retrying transient statuses and connection errors within the policy.
   * Returns the final Response (which may still be an error status); throws HttpConnectionError
   * when no response could be obtained.
   */
  async request(req: HttpRequest): Promise<Response> {
    const url = this.url(req.path, req.query);
    const jsonBody = req.json === undefined ? undefined : JSON.stringify(req.json);
    const started = Date.now();
    let waited = 0; // sum of backoff delays; counts even when `sleep` is not a real clock
    const spent = () => Math.max(Date.now() - started, waited);
    const maxRetries = req.retry === false ? 0 : this.policy.maxRetries;
    const sleep = this.opts.sleep ?? defaultSleep;
    for (let attempt = 1; ; attempt++) {
      const headers: Record<string, string> = { ...(req.headers ?? {}) };
      if (this.opts.userAgent) headers['User-Agent'] = this.opts.userAgent;
      if (jsonBody !== undefined) headers['Content-Type'] = 'application/json';
      if (req.auth !== false) {
        const auth = await this.credentials();
        if (auth) headers.Authorization = auth;
      }
      const source = jsonBody ?? (req.body ? await req.body() : undefined);
      // The timeout is an idle timeout, like the Python client's socket timeout: it restarts with
      // every body chunk sent and ends when the response headers arrive, so a long upload or
      // download is not cut off while it is moving.
      const timer = new IdleTimer(this.policy.timeoutMs);
      const body = isStream(source) ? timer.watch(source) : source;
      const signal = req.signal ? AbortSignal.any([timer.signal, req.signal]) : timer.signal;
      let reason: string;
      let retryAfterMs: number | undefined;
      let response: Response | undefined;
      try {
        const fetched = await this.fetchFn(url, {
          method: req.method,
          headers,
          body: body as BodyInit | undefined,
          signal,
          ...(isStream(body) ? { duplex: 'half' } : {}),
        } as RequestInit);
        response = req.buffer && !TRANSIENT_STATUSES.has(fetched.status) ? await buffered(fetched) : fetched;
        timer.stop();
        if (!TRANSIENT_STATUSES.has(response.status)) return response;
        reason = `HTTP ${response.status}`;
        retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      } catch (err) {
        timer.stop();
        (source as { destroy?: () => void } | undefined)?.destroy?.(); // close a half-read file now
        if (req.signal?.aborted) throw err;
        reason = errorCode(err);
        if (attempt > maxRetries || spent() >= this.policy.maxTotalMs) {
          throw new HttpConnectionError(
            `${req.method} ${redactUrl(url)} failed after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${reason}`,
            reason,
            attempt,
            err,
          );
        }
      }
      const delayMs = backoffDelayMs(this.policy, attempt, retryAfterMs);
      const outOfBudget = attempt > maxRetries || spent() + delayMs > this.policy.maxTotalMs;
      if (response) {
        if (outOfBudget) return response;
        await response.body?.cancel().catch(() => undefined);
      } else if (outOfBudget) {
        throw new HttpConnectionError(
          `${req.method} ${redactUrl(url)} failed after ${attempt} attempts: ${reason} (retry budget of ${Math.round(this.policy.maxTotalMs / 1000)} s spent)`,
          reason,
          attempt,
        );
      }
      this.opts.onRetry?.({ attempt, delayMs, reason });
      waited += delayMs;
      // the caller's abort (onRetry may have caused it) ends the wait at once
      if (req.signal?.aborted) throw req.signal.reason;
      await sleepUnlessAborted(sleep, delayMs, req.signal);
      if (req.signal?.aborted) throw req.signal.reason;
    }
  }
}
