import { describe, expect, it } from 'vitest';
import { mlflowSink } from '../../src/tracking/mlflow-sink.js';
import { RejectedError } from '../../src/tracking/sink.js';
import { DapError, ExitCode, UnavailableError } from '../../src/errors.js';

// A refusal of the data (not of the server) becomes a RejectedError: the shipper reports that item
// and goes on, and `dap sync` exits 1 (data refused), not 3 (try again later).

const run = { runId: 'r1', experimentId: '1' };
const batch = (key: string) => ({ metrics: [{ k: key, v: 1, s: 0, ts: 0 }], params: {}, tags: {} });
const answering = (status: number, body: unknown) => (async () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })) as typeof fetch;

describe('refusals of the data', () => {
  it("the client's own key check: refused before anything is sent", async () => {
    let sent = 0;
    const sink = mlflowSink('http://127.0.0.1:9', { env: {}, fetch: (async () => { sent++; throw new Error('no network in this test'); }) as typeof fetch });
    const err = await sink.logBatch(run, batch('a//b')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RejectedError);
    expect(err).toBeInstanceOf(DapError);
    expect((err as RejectedError).status).toBe(400);
    expect((err as RejectedError).exitCode).toBe(ExitCode.failure);
    expect((err as Error).message).toMatch(/invalid metric key "a\/\/b"/);
    expect(sent).toBe(0);
  });

  it("the server's 400 keeps its error code (the shipper narrows a batch by it)", async () => {
    const sink = mlflowSink('http://127.0.0.1:9', { env: {}, fetch: answering(400, { error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid value for metric' }), retry: { maxRetries: 0 } });
    const err = await sink.logBatch(run, batch('ok')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RejectedError);
    expect((err as RejectedError).code).toBe('INVALID_PARAMETER_VALUE');
    expect((err as RejectedError).status).toBe(400);
  });

  it('a 500 still answered after the retries is the server, not the data: unavailable (exit 3)', async () => {
    let sent = 0;
    const fail = answering(500, { error_code: 'INTERNAL_ERROR', message: 'database is down' });
    const sink = mlflowSink('http://127.0.0.1:9', { env: {}, fetch: (async (...a: Parameters<typeof fetch>) => { sent++; return fail(...a); }) as typeof fetch, retry: { maxRetries: 1, backoffFactor: 0.001, backoffJitter: 0 } });
    const err = await sink.logBatch(run, batch('ok')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as DapError).exitCode).toBe(ExitCode.unavailable);
    expect((err as Error).message).toMatch(/HTTP 500 after retries: .*INTERNAL_ERROR: database is down/);
    expect(sent).toBe(2);
  });
});
