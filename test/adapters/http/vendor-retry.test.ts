// Retries around the vendor clients share the transport's policy pieces (retry-policy.ts): the
// transient statuses, the Retry-After parser and the backoff. retryTransient wraps octokit and
// gitbeaker steps; the gitbeaker requester waits out GitLab's rate limit inside each call.

import { Gitlab } from '@gitbeaker/rest';
import { Octokit } from '@octokit/rest';
import { afterEach, describe, expect, it } from 'vitest';
import { retryAfterRequester } from '../../../src/adapters/gitlab/requester.js';
import { NOT_ACTED_ON_STATUSES, TRANSIENT_STATUSES } from '../../../src/adapters/http/retry-policy.js';
import { isTransient, publishRetryFromEnv, retryTransient } from '../../../src/adapters/http/transient-retry.js';
import { answerServer, type Answer, type AnswerServer } from './answer-server.js';

let server: AnswerServer | undefined;
afterEach(async () => { await server?.close(); server = undefined; });
const serve = async (answers: Answer[]) => (server = await answerServer(answers));
const ok: Answer = { status: 200, headers: { 'content-type': 'application/json' }, body: '[]' };
const status = (s: number, headers: Record<string, string> = {}): Answer => ({ status: s, headers: { 'content-type': 'application/json', ...headers }, body: '{"message":"x"}' });
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

describe('retryTransient (octokit and gitbeaker steps)', () => {
  const comments = (s: AnswerServer) => new Octokit({ baseUrl: s.url, request: { retries: 0 }, log: quiet }).rest.issues.listComments({ owner: 'a', repo: 'b', issue_number: 1 });

  it('waits what Retry-After says (seconds or an HTTP date), else the doubling backoff with jitter', async () => {
    const s = await serve([status(503, { 'retry-after': '2' }), status(429, { 'retry-after': new Date(Date.now() + 60_000).toUTCString() }), status(502), status(500), ok]);
    const waits: number[] = [];
    const seen: Array<number | undefined> = [];
    const r = await retryTransient(() => comments(s), { retries: 4, minTimeoutMs: 100, sleep: async (ms) => { waits.push(ms); }, onRetry: (e) => seen.push(e.status) });
    expect(r.status).toBe(200);
    expect(s.requests).toHaveLength(5);
    expect(seen).toEqual([503, 429, 502, 500]);
    expect(waits[0]).toBe(2000);
    expect(waits[1]).toBeGreaterThan(55_000); // the date, a minute away (whole seconds in the header)
    expect(waits[1]).toBeLessThanOrEqual(60_000);
    expect(waits[2]).toBeGreaterThanOrEqual(400); // retry 3: 100 ms · 2² plus up to 100 ms
    expect(waits[2]).toBeLessThanOrEqual(500);
    expect(waits[3]).toBeGreaterThanOrEqual(800);
    expect(waits[3]).toBeLessThanOrEqual(900);
  });

  it('a Retry-After longer than the transport\'s 120 s cap is capped like the transport caps it', async () => {
    const s = await serve([status(429, { 'retry-after': '3600' }), ok]);
    const waits: number[] = [];
    await retryTransient(() => comments(s), { retries: 1, minTimeoutMs: 10, sleep: async (ms) => { waits.push(ms); } });
    expect(waits).toEqual([120_000]);
  });

  it('does not retry what is not transient, and gives up after its retries with the last error', async () => {
    const s = await serve([status(404)]);
    await expect(retryTransient(() => comments(s), { retries: 3, minTimeoutMs: 1 })).rejects.toMatchObject({ status: 404 });
    expect(s.requests).toHaveLength(1);
    await s.close();
    const t = await serve([status(504)]);
    const left: number[] = [];
    await expect(retryTransient(() => comments(t), { retries: 2, minTimeoutMs: 1, onRetry: (e) => left.push(e.retriesLeft) })).rejects.toMatchObject({ status: 504 });
    expect(t.requests).toHaveLength(3);
    expect(left).toEqual([2, 1]);
  });

  it('classifies with the transport\'s transient statuses; a connection failure is transient too', () => {
    for (const s of [400, 401, 403, 404, 409, 422, 501]) expect(isTransient({ status: s })).toBe(false);
    for (const s of TRANSIENT_STATUSES) expect(isTransient({ status: s })).toBe(true);
    expect(isTransient(new TypeError('fetch failed'))).toBe(true);
    expect(publishRetryFromEnv({ DAP_PUBLISH_RETRIES: '2', DAP_PUBLISH_BACKOFF_MS: '50' })).toEqual({ retries: 2, minTimeoutMs: 50 });
  });
});

describe('the gitbeaker requester (GitLab runner calls)', () => {
  const metadata = (s: AnswerServer, waits: number[]) =>
    new Gitlab({ host: s.url, token: 'glpat-x', requesterFn: retryAfterRequester({ sleep: async (ms) => { waits.push(ms); } }) }).Metadata.show();

  it('without Retry-After: the shared backoff at 1 s, doubling, no jitter', async () => {
    const s = await serve([status(502), status(503), status(429), { ...ok, body: '{"version":"18.5.1"}' }]);
    const waits: number[] = [];
    expect(await metadata(s, waits)).toEqual({ version: '18.5.1' });
    expect(waits).toEqual([1000, 2000, 4000]);
  });

  it('retries only the statuses that say nothing was done: a 500 or 504 may have created the runner already', async () => {
    for (const st of [500, 504, 408]) {
      const s = await serve([status(st), ok]);
      const waits: number[] = [];
      await expect(metadata(s, waits)).rejects.toThrow();
      expect(s.requests).toHaveLength(1);
      await s.close();
      server = undefined;
    }
    for (const st of NOT_ACTED_ON_STATUSES) expect(TRANSIENT_STATUSES.has(st)).toBe(true);
  });
});
