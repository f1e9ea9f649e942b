import { describe, expect, it } from 'vitest';
import { createSharedMlflowApi } from '../../src/tracking/mlflow-shared-api.js';
import { RejectedError } from '../../src/tracking/sink.js';
import { DapError, ExitCode } from '../../src/errors.js';

// A refusal of the data (not of the server) becomes a RejectedError: the shipper reports that item
// and goes on, and `dap sync` exits 1 (data refused), not 3 (try again later).

const wire = (key: string) => ({ metrics: [{ key, value: 1, timestamp: 0, step: 0 }], params: [], tags: [] });

describe('refusals of the data', () => {
  it("the client's own key check: refused before anything is sent", async () => {
    let sent = 0;
    const api = createSharedMlflowApi({ trackingUri: 'http://127.0.0.1:9', fetch: (async () => { sent++; throw new Error('no network in this test'); }) as typeof fetch });
    const err = await api.logBatch('r1', wire('a//b')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RejectedError);
    expect(err).toBeInstanceOf(DapError);
    expect((err as RejectedError).status).toBe(400);
    expect((err as RejectedError).exitCode).toBe(ExitCode.failure);
    expect((err as Error).message).toMatch(/invalid metric key "a\/\/b"/);
    expect(sent).toBe(0);
  });

  it("the server's 400 keeps its error code (the shipper narrows a batch by it)", async () => {
    const answer = { error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid value for metric' };
    const fakeFetch = (async () => new Response(JSON.stringify(answer), { status: 400, headers: { 'content-type': 'application/json' } })) as typeof fetch;
    const api = createSharedMlflowApi({ trackingUri: 'http://127.0.0.1:9', fetch: fakeFetch, retry: { maxAttempts: 1 } });
    const err = await api.logBatch('r1', wire('ok')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RejectedError);
    expect((err as RejectedError).code).toBe('INVALID_PARAMETER_VALUE');
    expect((err as RejectedError).status).toBe(400);
  });
});
