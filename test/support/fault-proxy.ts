// A fault-injecting HTTP proxy for tests: sits between a client and a real server and, per
// request, passes it through, answers with an error status, resets the connection (before or
// after the server has handled the request), or answers slowly. The Host header is rewritten to
// the upstream's so servers with host checks (MLflow --allowed-hosts) accept proxied requests.

import http from 'node:http';
import { AddressInfo } from 'node:net';

export type Fault =
  | { kind: 'pass' }
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** drop the connection without forwarding: the server never sees the request */
  | { kind: 'reset-before' }
  /** forward, let the server handle it, then drop the connection instead of answering */
  | { kind: 'reset-after' }
  /** forward and answer after `delayMs` (a client timeout shorter than that aborts the attempt) */
  | { kind: 'slow'; delayMs: number };

export interface SeenRequest { method: string; path: string; fault: Fault['kind']; at: number }

export interface FaultProxy {
  url: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/** `plan(n, req)` picks the fault for the n-th request (0-based) reaching the proxy. */
export async function startFaultProxy(upstream: string, plan: (n: number, req: http.IncomingMessage) => Fault): Promise<FaultProxy> {
  const up = new URL(upstream);
  const seen: SeenRequest[] = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    const fault = plan(n++, req);
    seen.push({ method: req.method ?? '', path: req.url ?? '', fault: fault.kind, at: Date.now() });
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    if (fault.kind === 'reset-before') {
      req.socket.destroy();
      return;
    }
    if (fault.kind === 'status') {
      req.resume();
      req.on('end', () => {
        res.writeHead(fault.status, { 'Content-Type': 'application/json', ...(fault.headers ?? {}) });
        res.end(fault.body ?? JSON.stringify({ error_code: 'TEMPORARILY_UNAVAILABLE', message: 'injected fault' }));
      });
      return;
    }
    const fwd = http.request(
      { host: up.hostname, port: up.port, method: req.method, path: req.url, headers: { ...req.headers, host: up.host } },
      (upRes) => {
        const answer = () => {
          if (fault.kind === 'reset-after') {
            upRes.resume();
            upRes.on('end', () => req.socket.destroy());
            return;
          }
          if (res.destroyed || req.socket.destroyed) return void upRes.resume();
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        };
        if (fault.kind === 'slow') setTimeout(answer, fault.delayMs);
        else answer();
      },
    );
    fwd.on('error', () => req.socket.destroy());
    req.pipe(fwd);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A local port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
