// Credentials: Basic from MLFLOW_TRACKING_USERNAME/PASSWORD (or user:pass@ in the URI), Bearer from
// MLFLOW_TRACKING_TOKEN, checked by a tiny local server; refusals and failures never leak secrets.

import http from 'node:http';
import { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMlflowClient } from '../../../src/adapters/mlflow/index.js';
import { UnavailableError } from '../../../src/errors.js';
import { closedPort } from '../../support/fault-proxy.js';

const TOKEN = 'tok-SECRET-4f9a8b';
const USER = 'alice';
const PASSWORD = 'pw-SECRET-77c1';
const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

let server: http.Server;
let uri = '';
const seen: Array<string | undefined> = [];

beforeAll(async () => {
  // Accepts exactly our basic or bearer credentials, like an auth proxy in front of MLflow.
  server = http.createServer((req, res) => {
    seen.push(req.headers.authorization);
    const ok = req.headers.authorization === basic || req.headers.authorization === `Bearer ${TOKEN}`;
    if (!ok) {
      res.writeHead(req.headers.authorization?.startsWith('Bearer') ? 403 : 401, { 'Content-Type': 'text/plain' }).end('You are not authenticated');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ experiment: { experiment_id: '5', name: 'x' } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function leaks(err: unknown): boolean {
  const e = err as UnavailableError;
  const text = [e.message, e.hint, e.stack, JSON.stringify(e), String(e.cause ?? '')].join('\n');
  return [TOKEN, PASSWORD, Buffer.from(`${USER}:${PASSWORD}`).toString('base64')].some((s) => text.includes(s));
}

describe('auth', () => {
  it('sends Basic from MLFLOW_TRACKING_USERNAME/PASSWORD', async () => {
    const c = createMlflowClient({ trackingUri: uri, env: { MLFLOW_TRACKING_USERNAME: USER, MLFLOW_TRACKING_PASSWORD: PASSWORD } });
    expect((await c.experiments.getByName('x'))?.experiment_id).toBe('5');
    expect(seen.at(-1)).toBe(basic);
  });

  it('sends Bearer from MLFLOW_TRACKING_TOKEN; Basic wins when both are set (as in the Python client)', async () => {
    await createMlflowClient({ trackingUri: uri, env: { MLFLOW_TRACKING_TOKEN: TOKEN } }).experiments.getByName('x');
    expect(seen.at(-1)).toBe(`Bearer ${TOKEN}`);
    await createMlflowClient({ trackingUri: uri, env: { MLFLOW_TRACKING_TOKEN: TOKEN, MLFLOW_TRACKING_USERNAME: USER, MLFLOW_TRACKING_PASSWORD: PASSWORD } }).experiments.getByName('x');
    expect(seen.at(-1)).toBe(basic);
  });

  it('takes user:password@ from the URI as Basic and never shows it', async () => {
    const c = createMlflowClient({ trackingUri: uri.replace('//', `//${USER}:${PASSWORD}@`), env: {} });
    expect(c.trackingUri).toBe(uri);
    await c.experiments.getByName('x');
    expect(seen.at(-1)).toBe(basic);
  });

  it('sends nothing without credentials, and 401 becomes one line naming the variables to check (exit 3)', async () => {
    const err = (await createMlflowClient({ trackingUri: uri, env: {} }).experiments.getByName('x').catch((e: unknown) => e)) as UnavailableError;
    expect(seen.at(-1)).toBeUndefined();
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.exitCode).toBe(3);
    expect(err.message).toBe(`MLflow at ${uri} refused the credentials (HTTP 401 Unauthorized)`);
    expect(err.hint).toMatch(/MLFLOW_TRACKING_USERNAME\/MLFLOW_TRACKING_PASSWORD.*MLFLOW_TRACKING_TOKEN/);
  });

  it('a wrong token (403) or password (401) is refused without echoing the secret', async () => {
    const wrongToken = await createMlflowClient({ trackingUri: uri, env: { MLFLOW_TRACKING_TOKEN: `${TOKEN}x` } }).runs.get('r').catch((e: unknown) => e);
    expect((wrongToken as UnavailableError).message).toContain('HTTP 403 Forbidden');
    expect(leaks(wrongToken)).toBe(false);
    expect(String(wrongToken)).not.toContain(TOKEN);
    const wrongPw = await createMlflowClient({ trackingUri: uri, env: { MLFLOW_TRACKING_USERNAME: USER, MLFLOW_TRACKING_PASSWORD: `${PASSWORD}x` } })
      .runs.get('r')
      .catch((e: unknown) => e);
    expect((wrongPw as UnavailableError).message).toContain('HTTP 401');
    expect(leaks(wrongPw)).toBe(false);
  });

  it('connection failures with credentials in env or URI do not leak them either', async () => {
    const port = await closedPort();
    const err = await createMlflowClient({
      trackingUri: `http://${USER}:${PASSWORD}@127.0.0.1:${port}`,
      env: { MLFLOW_TRACKING_TOKEN: TOKEN },
      retry: { maxRetries: 1, backoffFactor: 0.01, backoffJitter: 0 },
    })
      .runs.get('r')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toContain(`http://127.0.0.1:${port}`);
    expect(leaks(err)).toBe(false);
  });
});
