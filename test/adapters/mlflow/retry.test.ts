// Retries: the policy (env, backoff, Retry-After), the transport with an injected fetch, and the
// real server behind a fault-injecting proxy — afterwards every point is there exactly once.

import http from 'node:http';
import { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { backoffDelayMs, defaultRetryPolicy, HttpTransport, parseRetryAfter, retryPolicyFromEnv } from '../../../src/adapters/http/index.js';
import { createMlflowClient, MetricPoint, MlflowError } from '../../../src/adapters/mlflow/index.js';
import { UnavailableError, UsageError } from '../../../src/errors.js';
import { closedPort, Fault, startFaultProxy } from '../../support/fault-proxy.js';
import { pyRunView, requireMlflow, trackingUri, uniqueName } from '../../support/mlflow-services.js';

describe('retry policy', () => {
  it('reads the MLflow variables and validates them', () => {
    expect(retryPolicyFromEnv({})).toEqual(defaultRetryPolicy);
    const p = retryPolicyFromEnv({
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '3',
      MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.5',
      MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0',
      MLFLOW_HTTP_REQUEST_TIMEOUT: '10',
      DAP_HTTP_REQUEST_MAX_TOTAL_TIME: '60',
    });
    expect(p).toEqual({ maxRetries: 3, backoffFactor: 0.5, backoffJitter: 0, timeoutMs: 10_000, maxTotalMs: 60_000 });
    for (const [k, v] of [
      ['MLFLOW_HTTP_REQUEST_MAX_RETRIES', '11'],
      ['MLFLOW_HTTP_REQUEST_MAX_RETRIES', '2.5'],
      ['MLFLOW_HTTP_REQUEST_MAX_RETRIES', 'lots'],
      ['MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR', '-1'],
      ['MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR', '121'],
      ['MLFLOW_HTTP_REQUEST_TIMEOUT', '0'],
    ] as const) {
      expect(() => retryPolicyFromEnv({ [k]: v })).toThrow(UsageError);
      expect(() => retryPolicyFromEnv({ [k]: v })).toThrow(k);
    }
  });

  it('backs off exponentially with jitter, capped, and lets Retry-After win', () => {
    const p = { ...defaultRetryPolicy, backoffFactor: 2, backoffJitter: 1 };
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(p, n, undefined, () => 0))).toEqual([2000, 4000, 8000, 16000]);
    expect(backoffDelayMs(p, 1, undefined, () => 0.5)).toBe(2500);
    expect(backoffDelayMs(p, 10, undefined, () => 0)).toBe(120_000);
    expect(backoffDelayMs(p, 3, 1500)).toBe(1500);
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(Date.now() + 10_000).toUTCString())).toBeGreaterThan(8000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('transport with an injected fetch', () => {
  const fast = { ...defaultRetryPolicy, backoffFactor: 0, backoffJitter: 0 };
  const scripted = (statuses: Array<number | 'reset'>) => {
    const calls: string[] = [];
    const fetchFn = (async (url: URL) => {
      const s = statuses[calls.length] ?? 200;
      calls.push(String(url));
      if (s === 'reset') throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
      return new Response('{}', { status: s });
    }) as typeof fetch;
    return { calls, fetchFn };
  };

  it('retries 408, 429, 5xx and resets, not other 4xx', async () => {
    const a = scripted([408, 429, 500, 502, 503, 504, 'reset', 200]);
    const res = await new HttpTransport({ baseUrl: 'http://x', fetch: a.fetchFn, retry: fast }).request({ method: 'GET', path: '/p' });
    expect(res.status).toBe(200);
    expect(a.calls).toHaveLength(8);
    const b = scripted([400, 200]);
    expect((await new HttpTransport({ baseUrl: 'http://x', fetch: b.fetchFn, retry: fast }).request({ method: 'GET', path: '/p' })).status).toBe(400);
    expect(b.calls).toHaveLength(1);
  });

  it('stops after maxRetries and returns the last answer', async () => {
    const a = scripted([503, 503, 503, 503, 503]);
    const res = await new HttpTransport({ baseUrl: 'http://x', fetch: a.fetchFn, retry: { ...fast, maxRetries: 2 } }).request({ method: 'GET', path: '/p' });
    expect(res.status).toBe(503);
    expect(a.calls).toHaveLength(3);
  });

  it('stops when the total time budget would be exceeded', async () => {
    const a = scripted(Array(20).fill(503));
    const slept: number[] = [];
    const t = new HttpTransport({
      baseUrl: 'http://x', fetch: a.fetchFn, retry: { ...defaultRetryPolicy, maxRetries: 10, backoffFactor: 1, backoffJitter: 0, maxTotalMs: 10_000 },
      sleep: async (ms) => { slept.push(ms); },
    });
    await t.request({ method: 'GET', path: '/p' });
    // 1 s + 2 s + 4 s fit in 10 s; the next 8 s would not (sleeps are not real here, so only delays count)
    expect(slept).toEqual([1000, 2000, 4000]);
  });
});

describe('timeouts are idle timeouts', () => {
  async function server(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
    const srv = http.createServer(handler);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, close: () => new Promise((r) => { srv.closeAllConnections(); srv.close(() => r()); }) };
  }
  const policy = { ...defaultRetryPolicy, maxRetries: 0, timeoutMs: 1500 };
  const body = () => Readable.from((function* () { for (let i = 0; i < 128; i++) yield Buffer.alloc(256 * 1024, i); })());

  it('a long upload that keeps moving is not cut off', async () => {
    // the server takes 32 MiB in small bites with pauses: several seconds in total, each gap well under 1.5 s
    let received = 0;
    const s = await server((req, res) => {
      req.on('data', (c: Buffer) => { received += c.length; req.pause(); setTimeout(() => req.resume(), 10); });
      req.on('end', () => res.end('{}'));
    });
    try {
      const t0 = Date.now();
      const res = await new HttpTransport({ baseUrl: s.url, retry: policy }).request({ method: 'PUT', path: '/up', body, headers: { 'Content-Length': String(32 << 20) } });
      expect(res.status).toBe(200);
      expect(received).toBe(32 << 20);
      expect(Date.now() - t0).toBeGreaterThan(1500);
    } finally {
      await s.close();
    }
  });

  it('a server that stops reading or answering times out', async () => {
    const s = await server((req) => { req.pause(); });
    try {
      const t = new HttpTransport({ baseUrl: s.url, retry: policy });
      await expect(t.request({ method: 'PUT', path: '/up', body, headers: { 'Content-Length': String(32 << 20) } })).rejects.toThrow(/ETIMEDOUT/);
      await expect(t.request({ method: 'GET', path: '/hang' })).rejects.toThrow(/ETIMEDOUT/);
    } finally {
      await s.close();
    }
  });

  it('an answer whose body stalls or is cut off mid-way is retried like a reset', async () => {
    // 1st attempt: headers, half the body, then silence; 2nd: headers, half the body, connection
    // dropped; 3rd: the whole answer. Without reading the body inside the attempt the caller would
    // hang on the 1st (no timeout after the headers) or fail on the 2nd with "terminated".
    let n = 0;
    const s = await server((req, res) => {
      req.resume();
      const attempt = ++n;
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '14' });
      if (attempt === 3) return void res.end('{"run_id":"r"}');
      res.write('{"run_id"');
      if (attempt === 2) setTimeout(() => res.socket?.destroy(), 50);
    });
    try {
      const t = new HttpTransport({ baseUrl: s.url, retry: { ...policy, maxRetries: 2, backoffFactor: 0, backoffJitter: 0 } });
      const res = await t.request({ method: 'POST', path: '/api/2.0/mlflow/runs/get', json: {}, buffer: true });
      expect(n).toBe(3);
      expect(await res.json()).toEqual({ run_id: 'r' });
    } finally {
      await s.close();
    }
  });
});

describe('against the real server through a fault-injecting proxy', () => {
  beforeAll(requireMlflow);
  const direct = createMlflowClient({ trackingUri, env: {} });
  const retry = { backoffFactor: 0.05, backoffJitter: 0.05, timeoutMs: 1500 };

  it('a log-batch survives 5xx, 429+Retry-After, resets before and after the server handled it, and slow answers — no duplicates', async () => {
    const pass: Fault = { kind: 'pass' };
    // Hits on log-batch in order; the 4 requests of the batch each meet some faults.
    const faults: Fault[] = [
      { kind: 'status', status: 503 }, { kind: 'reset-before' }, pass,
      { kind: 'status', status: 429, headers: { 'Retry-After': '1' } },
      { kind: 'reset-after' }, // the server stored this chunk, the client never heard
      pass,
      { kind: 'status', status: 500 },
      { kind: 'slow', delayMs: 2500 }, // stored too, but the client timed out at 1.5 s
      { kind: 'status', status: 502 }, pass,
      { kind: 'reset-after' }, pass,
    ];
    let batchNo = 0;
    const proxy = await startFaultProxy(trackingUri, (_n, req) =>
      req.url?.includes('/runs/log-batch') ? faults[batchNo++] ?? { kind: 'pass' } : { kind: 'pass' },
    );
    try {
      const exp = await direct.experiments.getOrCreate(uniqueName('faults'));
      const runId = (await direct.runs.create({ experimentId: exp.experiment_id })).info.run_id;
      const retries: string[] = [];
      const viaProxy = createMlflowClient({ trackingUri: proxy.url, env: {}, retry, onRetry: (e) => retries.push(e.reason) });
      const metrics: MetricPoint[] = Array.from({ length: 3000 }, (_, i) => ({ key: i % 2 ? 'loss' : 'acc', value: i / 7, timestamp: 1_700_000_000_000 + i, step: i >> 1 }));
      const res = await viaProxy.runs.logBatch(runId, { metrics, params: { seed: '7' }, tags: { via: 'proxy' } });
      expect(res.requests).toBe(4);
      expect(retries).toEqual(['HTTP 503', 'ECONNRESET', 'HTTP 429', expect.any(String), 'HTTP 500', 'ETIMEDOUT', 'HTTP 502', expect.any(String)]);
      const batchHits = proxy.seen.filter((s) => s.path.includes('log-batch'));
      expect(batchHits).toHaveLength(faults.length);
      // Retry-After: 1 was honoured rather than the ~50 ms backoff
      expect(batchHits[4]!.at - batchHits[3]!.at).toBeGreaterThanOrEqual(950);

      // Let the slow answer's request finish on the server before reading back.
      await new Promise((r) => setTimeout(r, 1500));
      expect(await direct.metrics.history(runId, 'loss')).toHaveLength(1500);
      expect(await direct.metrics.history(runId, 'acc')).toHaveLength(1500);
      const view = await pyRunView(runId, ['loss', 'acc']);
      expect(view.history.loss).toHaveLength(1500);
      expect(view.history.acc).toHaveLength(1500);
      expect(new Set(view.history.loss!.map(([step]) => step)).size).toBe(1500);
      expect(view.params).toEqual({ seed: '7' });
      expect(view.tags.via).toBe('proxy');
    } finally {
      await proxy.close();
    }
  });

  it('gives up within the budget on a server that only answers 503: unavailable (exit 3), the MlflowError with the status as cause', async () => {
    const proxy = await startFaultProxy(trackingUri, () => ({ kind: 'status', status: 503 }));
    try {
      const c = createMlflowClient({ trackingUri: proxy.url, env: { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '3' }, retry: { backoffFactor: 0.01, backoffJitter: 0 } });
      const err = (await c.experiments.getByName('x').catch((e: unknown) => e)) as UnavailableError;
      expect(err).toBeInstanceOf(UnavailableError);
      expect(err.exitCode).toBe(3);
      expect(err.message).toMatch(/is unavailable \(HTTP 503 after retries/);
      expect((err.cause as MlflowError).status).toBe(503);
      expect(proxy.seen).toHaveLength(4);
    } finally {
      await proxy.close();
    }
  });

  it('an unreachable server is one UnavailableError line (exit code 3) naming the URI and what to check', async () => {
    const port = await closedPort();
    const c = createMlflowClient({ trackingUri: `http://127.0.0.1:${port}`, env: {}, retry: { maxRetries: 2, backoffFactor: 0.01, backoffJitter: 0 } });
    const err = (await c.runs.get('abc').catch((e: unknown) => e)) as UnavailableError;
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.exitCode).toBe(3);
    expect(err.message).not.toContain('\n');
    expect(err.message).toMatch(new RegExp(`MLflow at http://127\\.0\\.0\\.1:${port} is unreachable .*after 3 attempts: ECONNREFUSED`));
    expect(err.hint).toContain('MLFLOW_TRACKING_URI');
  });
});
