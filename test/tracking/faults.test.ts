import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEAD_URI, MLFLOW_URI, TRAIN_PY, dap, readBack, requireMlflow, tmpDir, uniqueName } from './helpers.js';
import fs from 'node:fs';
import path from 'node:path';

// The worst moment for a shipper: the server stored a batch but the answer never arrived. A proxy
// in front of the real MLflow forwards every request, then for some log-batch calls throws the
// answer away (503, or a reset connection). The shipper retries; the points must be there once.

describe('shipping through a lossy link to the real MLflow', () => {
  let proxy: http.Server;
  let proxyUri: string;
  let logBatches = 0;
  let sabotaged = 0;
  beforeAll(async () => {
    await requireMlflow();
    const target = new URL(MLFLOW_URI);
    proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const isBatch = req.url?.includes('/runs/log-batch') ?? false;
        const n = isBatch ? ++logBatches : 0;
        const up = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } }, (upRes) => {
          const body: Buffer[] = [];
          upRes.on('data', (c: Buffer) => body.push(c));
          upRes.on('end', () => {
            if (isBatch && n % 3 === 1) {
              sabotaged++;
              // stored upstream, but the client never learns it
              if (n % 2 === 1) { res.writeHead(503, { 'content-type': 'text/plain' }); res.end('upstream hiccup'); } else req.socket.destroy();
              return;
            }
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            res.end(Buffer.concat(body));
          });
        });
        up.on('error', () => res.destroy());
        up.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    proxyUri = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => proxy.close(() => r())));

  it('acknowledgements lost after the server stored the batch: every point exactly once', async () => {
    const exp = uniqueName('lossy');
    const dir = tmpDir('lossy');
    fs.writeFileSync(path.join(dir, 'train.py'), TRAIN_PY);
    const run = await dap(['track', '--experiment', exp, '--', 'python3', 'train.py'], { cwd: dir, env: { MLFLOW_TRACKING_URI: DEAD_URI, STEPS: '3000', SLEEP: '0' } });
    expect(run.code, run.stderr).toBe(0);
    const r = await dap(['sync'], { cwd: dir, env: { MLFLOW_TRACKING_URI: proxyUri, MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.05', MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0' } });
    expect(r.code, r.stderr).toBe(0);
    expect(sabotaged).toBeGreaterThanOrEqual(3);
    const back = await readBack(exp);
    expect(back.count).toBe(1);
    for (const key of ['loss', 'acc', 'lr_now']) {
      const h = back.runs[0]!.history[key]!;
      expect(h).toHaveLength(3000);
      expect(new Set(h.map(([s]) => s)).size).toBe(3000);
    }
  });
});
