import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dap, tmpDir } from './helpers.js';

// What the user sees when the tracking server refuses us: one line saying what to check.

describe('a tracking server that refuses the credentials', () => {
  let server: http.Server;
  let uri: string;
  const seen: Array<string | undefined> = [];
  beforeAll(async () => {
    // answers like an MLflow behind basic auth (mlflow server --app-name basic-auth)
    server = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Basic realm="mlflow"' });
      res.end('You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('dap track: the job still succeeds, with one warning line; the journal is kept', async () => {
    const dir = tmpDir('auth');
    const r = await dap(['track', '--experiment', 'e', '--', 'python3', '-c', 'print("trained")'], {
      cwd: dir, env: { MLFLOW_TRACKING_URI: uri, MLFLOW_TRACKING_USERNAME: 'alice', MLFLOW_TRACKING_PASSWORD: 's3cret-pw' },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('trained\n');
    expect(r.stderr).toMatch(new RegExp(`warning: MLflow at ${uri} refused the credentials \\(HTTP 401`));
    expect(r.stderr).not.toMatch(/s3cret-pw|YWxpY2U6czNjcmV0LXB3/);
    expect(seen.at(-1)).toBe(`Basic ${Buffer.from('alice:s3cret-pw').toString('base64')}`);
    expect(fs.readdirSync(path.join(dir, '.dap/journal')).some((f) => f.endsWith('.jsonl'))).toBe(true);
  });

  it('dap sync: exit 3, the message and a hint naming the variables to check', async () => {
    const dir = tmpDir('auth-sync');
    await dap(['track', '--experiment', 'e', '--', 'true'], { cwd: dir, env: {} });
    const r = await dap(['sync'], { cwd: dir, env: { MLFLOW_TRACKING_URI: uri, MLFLOW_TRACKING_TOKEN: 'tok-123' } });
    expect(r.code).toBe(3);
    const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('dap: ') || l.startsWith('hint: '));
    expect(lines[0]).toMatch(new RegExp(`^dap: MLflow at ${uri} refused the credentials \\(HTTP 401`));
    expect(lines[1]).toMatch(/^hint: check MLFLOW_TRACKING_USERNAME\/MLFLOW_TRACKING_PASSWORD .* or MLFLOW_TRACKING_TOKEN/);
    expect(r.stderr).not.toMatch(/tok-123/);
  });
});

// A server that keeps failing (database down behind MLflow: 500 INTERNAL_ERROR on every call) is a
// server problem, not a data problem: the journal waits and `dap sync` says "try again" (exit 3),
// the same as for a server that cannot be reached — never "data refused" (exit 1).
describe('a tracking server that keeps answering 5xx', () => {
  let server: http.Server;
  let uri: string;
  let calls = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      calls++;
      req.resume();
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error_code: 'INTERNAL_ERROR', message: '(psycopg2.OperationalError) connection to server failed' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('dap sync: exit 3 after the retries, the journal stays unshipped', async () => {
    const dir = tmpDir('err500-sync');
    await dap(['track', '--experiment', 'e', '--', 'true'], { cwd: dir, env: {} });
    const retry = { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '2', MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0', MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0' };
    const r = await dap(['sync'], { cwd: dir, env: { MLFLOW_TRACKING_URI: uri, ...retry } });
    expect(r.code, r.stderr).toBe(3);
    expect(calls).toBe(3); // the first attempt and two retries
    expect(r.stderr).toMatch(new RegExp(`^dap: MLflow at ${uri} is unavailable \\(HTTP 500 after retries: .*INTERNAL_ERROR`, 'm'));
    expect(r.stderr).toMatch(/1 journal\(s\) not shipped yet/);
    const listed = await dap(['runs', '--json'], { cwd: dir, env: {} });
    expect((JSON.parse(listed.stdout) as Array<{ shippedTo: string[] }>).map((x) => x.shippedTo)).toEqual([[]]);
  });
});
