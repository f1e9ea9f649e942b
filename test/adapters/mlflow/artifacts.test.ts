// Artifacts through the MLflow proxy into MinIO: a large file streamed (checked in the bucket
// with boto3), multipart upload with presigned parts, listing, download, and the Python view.

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMlflowClient, proxyPathOf } from '../../../src/adapters/mlflow/index.js';
import { minioBucket, minioCredentials, minioEndpoint, py, pyRunView, requireMlflow, trackingUri, uniqueName } from '../../support/mlflow-services.js';

const client = createMlflowClient({ trackingUri, env: {} });
let dir = '';
let experimentId = '';

beforeAll(async () => {
  await requireMlflow();
  dir = await mkdtemp(path.join(os.tmpdir(), 'dap-artifacts-'));
  experimentId = (await client.experiments.getOrCreate(uniqueName('artifacts'))).experiment_id;
});
afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

/** Writes `mib` MiB of random data without holding it in memory; returns its sha256. */
async function bigFile(file: string, mib: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  for (let i = 0; i < mib; i++) {
    const chunk = randomBytes(1024 * 1024);
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r, j) => out.end((e?: Error | null) => (e ? j(e) : r())));
  return hash.digest('hex');
}

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(file)) h.update(c as Buffer);
  return h.digest('hex');
}

/** Size and sha256 of an object as MinIO has it (boto3, with the services' credentials). */
function inMinio(key: string): Promise<{ size: number; sha256: string }> {
  const { accessKey, secretKey } = minioCredentials();
  return py(
    `
import boto3, hashlib, json, sys
a = json.loads(sys.argv[1])
s3 = boto3.client("s3", endpoint_url=a["endpoint"], region_name="us-east-1")
body = s3.get_object(Bucket=a["bucket"], Key=a["key"])["Body"]
h = hashlib.sha256(); n = 0
for chunk in iter(lambda: body.read(1 << 20), b""):
    h.update(chunk); n += len(chunk)
print(json.dumps({"size": n, "sha256": h.hexdigest()}))
`,
    { endpoint: minioEndpoint, bucket: minioBucket, key },
    { AWS_ACCESS_KEY_ID: accessKey, AWS_SECRET_ACCESS_KEY: secretKey },
  );
}

/** Bytes this process has read (files and sockets), from /proc/self/io. */
async function rchar(): Promise<number> {
  return Number(/rchar: (\d+)/.exec(await readFile('/proc/self/io', 'utf8'))?.[1]);
}

describe('streaming', () => {
  it('upload reads the file only as fast as the server takes it (no whole-file buffer)', async () => {
    const file = path.join(dir, 'stream.bin');
    await bigFile(file, 64);
    let readWhilePaused = -1;
    let received = 0;
    let before = 0;
    const server = http.createServer((req, res) => {
      let paused = false;
      req.on('data', (c: Buffer) => {
        received += c.length;
        if (!paused && received >= 2 * 1024 * 1024) {
          paused = true;
          req.pause(); // backpressure: a streaming client must stop reading the file now
          setTimeout(async () => { readWhilePaused = (await rchar()) - before; req.resume(); }, 700);
        }
      });
      req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const local = createMlflowClient({ trackingUri: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, env: {} });
      before = await rchar();
      await local.artifacts.upload('mlflow-artifacts:/0/r/artifacts', file, 'stream.bin');
      expect(received).toBe(64 * 1024 * 1024);
      expect(readWhilePaused).toBeGreaterThan(0);
      expect(readWhilePaused).toBeLessThan(24 * 1024 * 1024); // a few MiB in flight, not 64
    } finally {
      server.close();
    }
  });
});

describe('artifacts', () => {
  it('streams a 96 MiB file into MinIO through the proxy without buffering it', async () => {
    const run = (await client.runs.create({ experimentId })).info;
    const file = path.join(dir, 'big.bin');
    const sha = await bigFile(file, 96);
    const res = await client.artifacts.upload(run.run_id, file, 'data/big.bin');
    expect(res).toEqual({ bytes: 96 * 1024 * 1024, multipart: false });
    const key = `${proxyPathOf(run.artifact_uri!)}/data/big.bin`;
    expect(await inMinio(key)).toEqual({ size: 96 * 1024 * 1024, sha256: sha });
    // and back through the proxy
    const back = path.join(dir, 'back', 'big.bin');
    expect(await client.artifacts.download(run.run_id, 'data/big.bin', back)).toBe(96 * 1024 * 1024);
    expect(await sha256File(back)).toBe(sha);
  });

  it('multipart upload: presigned parts straight to MinIO, completed by the server', async () => {
    const run = (await client.runs.create({ experimentId })).info;
    const file = path.join(dir, 'model.bin');
    const sha = await bigFile(file, 23); // 5 parts of 5 MiB, the last one short
    const res = await client.artifacts.upload(run.run_id, file, 'model/weights.bin', {
      multipart: { enabled: true, minimumSize: 0, chunkSize: 5 * 1024 * 1024 },
    });
    expect(res.multipart).toBe(true);
    expect(await inMinio(`${proxyPathOf(run.artifact_uri!)}/model/weights.bin`)).toEqual({ size: 23 * 1024 * 1024, sha256: sha });
    const listed = await client.artifacts.list(run.run_id, 'model');
    expect(listed).toEqual([{ path: 'model/weights.bin', is_dir: false, file_size: 23 * 1024 * 1024 }]);
  });

  it('multipart is chosen from MLflow\'s env variables, like the Python client', async () => {
    const envClient = createMlflowClient({
      trackingUri,
      env: { MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD: 'true', MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE: String(6 * 1024 * 1024) },
    });
    const run = (await client.runs.create({ experimentId })).info;
    const small = path.join(dir, 'small.bin');
    const big = path.join(dir, 'eleven.bin');
    await bigFile(small, 1);
    await bigFile(big, 11);
    expect((await envClient.artifacts.upload(run.run_id, small)).multipart).toBe(false);
    expect((await envClient.artifacts.upload(run.run_id, big)).multipart).toBe(true);
  });

  it('uploads a directory tree; list, listAll and the Python client agree', async () => {
    const run = (await client.runs.create({ experimentId })).info;
    const tree = path.join(dir, 'tree');
    await mkdir(path.join(tree, 'plots', 'deep'), { recursive: true });
    await writeFile(path.join(tree, 'metrics.json'), '{"acc": 0.9}\n');
    await writeFile(path.join(tree, 'plots', 'loss.svg'), '<svg/>');
    await writeFile(path.join(tree, 'plots', 'deep', 'a b.txt'), 'space in name');
    const sent = await client.artifacts.uploadDirectory(run.run_id, tree, 'out');
    expect(sent.sort()).toEqual(['out/metrics.json', 'out/plots/deep/a b.txt', 'out/plots/loss.svg']);
    expect(await client.artifacts.list(run.run_id)).toEqual([{ path: 'out', is_dir: true }]);
    expect((await client.artifacts.list(run.run_id, 'out')).map((f) => [f.path, f.is_dir])).toEqual([
      ['out/metrics.json', false],
      ['out/plots', true],
    ]);
    expect((await client.artifacts.listAll(run.run_id)).map((f) => f.path)).toEqual(sent.sort());
    expect((await pyRunView(run.run_id, [])).artifacts).toEqual(sent.sort());
    const back = path.join(dir, 'a b.txt');
    await client.artifacts.download(run.artifact_uri!, 'out/plots/deep/a b.txt', back);
    expect(await readFile(back, 'utf8')).toBe('space in name');
  });

  it('refuses paths that climb out of the run', async () => {
    const run = (await client.runs.create({ experimentId })).info;
    const f = path.join(dir, 'x.txt');
    await writeFile(f, 'x');
    await expect(client.artifacts.upload(run.run_id, f, '../../escape.txt')).rejects.toThrow(/must not contain ".."/);
  });
});
