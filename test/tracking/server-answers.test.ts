import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MLFLOW_URI, dap, requireMlflow, tmpDir } from './helpers.js';

// What a tracking server that is not a working MLflow does to the user: it never delays the command,
// a silent one costs one timeout, and every odd answer is named for what it is.

/** Accepts connections and never answers (a hung server, a firewall that swallows packets after the handshake). */
async function silentServer(): Promise<{ uri: string; requests: () => number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let count = 0;
  // counts requests, not connections: the HTTP client may open a spare connection it never uses
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('data', (d: Buffer) => { count += (d.toString('latin1').match(/^(GET|POST|PUT|PATCH|DELETE) \S+ HTTP\/1\.1/gm) ?? []).length; });
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => count,
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

async function httpServer(handler: http.RequestListener): Promise<{ uri: string; port: number; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return { uri: `http://127.0.0.1:${port}`, port, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

/** Journals of `n` finished runs, made without a server. */
async function journals(n: number): Promise<string> {
  const dir = tmpDir('silent-sync');
  for (let i = 0; i < n; i++) {
    const r = await dap(['track', '--experiment', 'silent', '--identity', `run-${i}`, '--', 'true'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
  }
  return dir;
}

describe('a tracking server that accepts connections and never answers', () => {
  let silent: Awaited<ReturnType<typeof silentServer>>;
  beforeAll(async () => {
    silent = await silentServer();
  });
  afterAll(() => silent.close());

  it('dap track: the command starts before the first timeout; the whole run costs one timeout and one request', async () => {
    const timeoutS = 8;
    const dir = tmpDir('silent-track');
    const before = silent.requests();
    const t0 = Date.now();
    const r = await dap(['track', '--experiment', 'e', '--', 'node', '-e', 'require("fs").writeFileSync("started", String(Date.now()))'], {
      cwd: dir, env: { MLFLOW_TRACKING_URI: silent.uri, MLFLOW_HTTP_REQUEST_TIMEOUT: String(timeoutS) },
    });
    const took = Date.now() - t0;
    expect(r.code, r.stderr).toBe(0);
    const startedAfter = Number(fs.readFileSync(path.join(dir, 'started'), 'utf8')) - t0;
    expect(startedAfter, 'the command did not wait for the server').toBeLessThan(timeoutS * 1000);
    expect(r.stderr).toMatch(/MLflow has not answered within 2 s; the command starts now without MLFLOW_RUN_ID/);
    expect(r.stderr).toMatch(new RegExp(`MLflow at ${silent.uri} did not answer within ${timeoutS} s`));
    expect(r.stderr).toMatch(/the run is kept in .*; ship it later with `dap sync \.dap\/journal`/);
    expect(silent.requests() - before, 'one request, not one per retry and per shipment').toBe(1);
    expect(took, 'one timeout in all, not one per request').toBeLessThan(2 * timeoutS * 1000);
  });

  it('dap sync: the first timeout marks the server unavailable for the rest of the sync: exit 3 with the hint, nothing retried', async () => {
    const dir = await journals(3);
    const before = silent.requests();
    const r = await dap(['sync'], {
      cwd: dir, env: { MLFLOW_TRACKING_URI: silent.uri, MLFLOW_HTTP_REQUEST_TIMEOUT: '3', MLFLOW_HTTP_REQUEST_MAX_RETRIES: '2' },
    });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`^dap: MLflow at ${silent.uri} did not answer within 3 s .*not trying it again`, 'm'));
    expect(r.stderr).toMatch(/^hint: check MLFLOW_TRACKING_URI .*; 3 journal\(s\) not shipped yet; they stay where they are, run dap sync again/m);
    // the journals shipped at once each sent their first request; none was retried, no further journal tried
    expect(silent.requests() - before).toBeLessThanOrEqual(3);
  });
});

describe('answers that are not MLflow\'s JSON', () => {
  it('an HTML sign-in page answering 200: says HTML, with the URL, the status, the page title and what it usually means', async () => {
    const page = await httpServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><html><head><title>Sign in · Company SSO</title></head><body><form>…</form></body></html>');
    });
    try {
      const dir = await journals(1);
      const r = await dap(['sync'], { cwd: dir, env: { MLFLOW_TRACKING_URI: page.uri } });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(new RegExp(`^dap: ${page.uri}/api/2\\.0/mlflow/experiments/get-by-name answered an HTML page \\(HTTP 200, "Sign in · Company SSO"\\) instead of MLflow's JSON .*: usually a login page or another web application, not the MLflow API`, 'm'));
      expect(r.stderr).toMatch(/^hint: check that MLFLOW_TRACKING_URI is the MLflow server's own address/m);
      expect(r.stderr).not.toMatch(/Unexpected token/);
    } finally {
      await page.close();
    }
  });

  it('a proxy\'s HTML error page (502): named as the proxy failing to reach MLflow', async () => {
    const proxy = await httpServer((req, res) => {
      req.resume();
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>');
    });
    try {
      const dir = tmpDir('html-502');
      const r = await dap(['track', '--experiment', 'e', '--', 'true'], { cwd: dir, env: { MLFLOW_TRACKING_URI: proxy.uri, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0' } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/warning: http:\/\/127\.0\.0\.1:\d+\/api\/2\.0\/mlflow\/experiments\/get-by-name answered an HTML page \(HTTP 502, "502 Bad Gateway"\) .*usually a proxy in front of MLflow could not reach it/);
    } finally {
      await proxy.close();
    }
  });
});

describe('the real MLflow refusing the Host header (its DNS-rebinding protection)', () => {
  let proxy: Awaited<ReturnType<typeof httpServer>>;
  beforeAll(async () => {
    await requireMlflow();
    // the name a user reaches the server by, which the server was not started to allow
    const upstream = new URL(MLFLOW_URI);
    proxy = await httpServer((req, res) => {
      const up = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: 'mlflow.team.internal' } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
  });
  afterAll(() => proxy?.close());

  it('reports the server\'s own message and suggests --allowed-hosts (not "refused the credentials")', async () => {
    const dir = await journals(1);
    const r = await dap(['sync'], { cwd: dir, env: { MLFLOW_TRACKING_URI: proxy.uri } });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`^dap: MLflow at ${proxy.uri} refused the request \\(HTTP 403\\): Invalid Host header - possible DNS rebinding attack detected`, 'm'));
    expect(r.stderr).toMatch(/^hint: the server only answers requests for the host names it allows: start it with `mlflow server --allowed-hosts 127\.0\.0\.1:\d+`/m);
    expect(r.stderr).not.toMatch(/credentials/);
  });
});
