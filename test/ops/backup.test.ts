// make backup / make restore for real, in a dedicated Postgres + MinIO + MLflow stack: runs with
// params, metric histories and artifacts → backup → Postgres and MinIO wiped → restore → the MLflow
// Python client reads back every run, metric point and artifact byte for byte. A corrupted or
// incomplete backup is refused before anything is touched; so is a restore under a running MLflow.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec } from '../../src/adapters/exec/exec.js';
import { listEncrypted } from '../../src/ops/backup/secrets.js';
import { cliBin, repoRoot, uniqueName } from '../tracking/helpers.js';
import { startDedicatedStack, type DedicatedStack } from './support/dedicated-stack.js';

let stack: DedicatedStack;
const experiment = uniqueName('backup-e2e');
let before: { runs: string; sums: string };
let backupDir = '';

const py = async (script: string, ...args: string[]) => {
  const r = await exec([stack.env.DAP_MLFLOW_PYTHON!, path.join(repoRoot, script), ...args], { timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`${script} failed: ${r.stderr.slice(-2000)}`);
  return r.stdout.trim();
};
/** everything the Python client sees: runs, params, tags, metric histories, artifact list, artifact bytes */
const snapshot = async () => {
  const back = JSON.parse(await py('test/tracking/readback.py', stack.mlflowUri, experiment)) as { runs: Array<Record<string, unknown>> };
  const runs = JSON.stringify(back.runs.sort((a, b) => String(a.run_id).localeCompare(String(b.run_id))));
  return { runs, sums: await py('test/ops/support/artifact-sums.py', stack.mlflowUri, experiment, fs.mkdtempSync(path.join(stack.state, 'sums-'))), count: back.runs.length };
};
/** The CLI with the stack's variables only (like the dap() helper) and room for a slow restore on a loaded machine. */
const cli = (args: string[], extra: Record<string, string> = {}) => {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DAP_|CI_|MLFLOW_|GITLAB_)/.test(k)));
  return exec(['node', cliBin, ...args], { cwd: stack.state, env: { ...base, ...stack.env, ...extra }, timeoutMs: 600_000 });
};
const health = async () => fetch(`${stack.mlflowUri}/health`).then((r) => r.ok, () => false);
const copyBackup = (name: string) => {
  const dest = path.join(stack.state, name);
  fs.cpSync(backupDir, dest, { recursive: true });
  return dest;
};

beforeAll(async () => {
  stack = await startDedicatedStack('backup');
  await py('test/ops/support/populate.py', stack.mlflowUri, experiment, fs.mkdtempSync(path.join(stack.state, 'populate-')));
  const s = await snapshot();
  expect(s.count).toBe(3);
  before = s;
}, 600_000);
afterAll(async () => { await stack?.destroy(); }, 120_000);

describe('backup and restore', () => {
  it('backup: a dump per database, the buckets, a manifest with checksums', async () => {
    const r = await cli(['backup', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { dir: string; manifest: { databases: string[]; buckets: string[]; files: Array<{ path: string }> } };
    backupDir = out.dir;
    expect(path.basename(backupDir)).toMatch(/^\d{8}T\d{6}Z$/);
    expect(out.manifest.databases).toEqual(['mlflow']);
    expect(out.manifest.buckets).toEqual(['mlflow']);
    const files = out.manifest.files.map((f) => f.path);
    expect(files).toContain('postgres/mlflow.dump');
    expect(files.filter((f) => f.startsWith('objects/mlflow/') && f.endsWith('weights.bin'))).toHaveLength(3);
    expect(fs.readFileSync(path.join(backupDir, 'postgres/mlflow.dump')).subarray(0, 5).toString()).toBe('PGDMP'); // pg_dump's custom format
    expect(r.stderr).toMatch(/backup: objects: mlflow: \d+ object\(s\)/);
  }, 300_000);

  it('refuses a corrupted backup before touching anything', async () => {
    const bad = copyBackup('corrupted');
    const dump = path.join(bad, 'postgres/mlflow.dump');
    const bytes = fs.readFileSync(dump);
    bytes[bytes.length >> 1] ^= 0xff;
    fs.writeFileSync(dump, bytes);
    const r = await cli(['restore', '--stop-services', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('refusing to restore');
    expect(r.stderr).toContain('postgres/mlflow.dump does not match its checksum (corrupted)');
    expect(r.stderr).toMatch(/hint: .*restore another one/);
    expect(await health(), 'MLflow was not stopped').toBe(true);
  }, 120_000);

  it('refuses an incomplete backup: no manifest, or a file missing', async () => {
    const noManifest = copyBackup('no-manifest');
    fs.rmSync(path.join(noManifest, 'manifest.json'));
    let r = await cli(['restore', '--stop-services', noManifest]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is not a complete backup: it has no manifest\.json/);
    const missing = copyBackup('missing');
    const weights = fs.readdirSync(path.join(missing, 'objects/mlflow'), { recursive: true }).map(String).find((f) => f.endsWith('weights.bin'))!;
    fs.rmSync(path.join(missing, 'objects/mlflow', weights));
    r = await cli(['restore', '--stop-services', missing]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`objects/mlflow/${weights} is missing`);
    expect(await health()).toBe(true);
  }, 120_000);

  it('refuses to restore under a running MLflow (without --stop-services)', async () => {
    const r = await cli(['restore', backupDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/MLflow at http:\/\/127\.0\.0\.1:\d+ is running/);
    expect(r.stderr).toMatch(/hint: stop it first .*make restore/);
  }, 60_000);

  it('after Postgres and MinIO are wiped, restore brings back every run, metric point and artifact byte', async () => {
    await stack.services('stop-mlflow');
    const pgBin = (await exec(['bash', '-c', 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1'])).stdout.trim();
    const drop = await exec(['runuser', '-u', 'postgres', '--', `${pgBin}/psql`, '-h', path.join(stack.state, 'pg/run'), '-p', stack.env.DAP_PG_PORT!, '-U', 'postgres', '-d', 'postgres', '-c', 'drop database mlflow']);
    expect(drop.code, drop.stderr).toBe(0);
    const secrets = Object.fromEntries([...fs.readFileSync(stack.env.DAP_SERVICES_SECRETS!, 'utf8').matchAll(/^(\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
    const wipe = await exec([stack.env.DAP_MLFLOW_PYTHON!, '-c', [
      'import boto3, sys', 's3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1")',
      'b = s3.list_objects_v2(Bucket="mlflow").get("Contents", [])',
      'for o in b: s3.delete_object(Bucket="mlflow", Key=o["Key"])',
      's3.delete_bucket(Bucket="mlflow")', 'print(len(b))',
    ].join('\n'), `http://127.0.0.1:${stack.env.DAP_MINIO_PORT}`], { env: { ...process.env, AWS_ACCESS_KEY_ID: secrets.DAP_MINIO_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: secrets.DAP_MINIO_SECRET_KEY } });
    expect(wipe.code, wipe.stderr).toBe(0);
    expect(Number(wipe.stdout.trim())).toBeGreaterThanOrEqual(6);

    const r = await cli(['restore', '--stop-services', backupDir]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/restored 1 database\(s\), 1 bucket\(s\)/);
    expect(r.stdout).toMatch(/mlflow\.artifacts\s+.*PASS/);
    const after = await snapshot();
    expect(after.runs).toBe(before.runs);
    expect(after.sums).toBe(before.sums);
    expect(Object.keys(JSON.parse(after.sums) as object)).toHaveLength(6);
  }, 600_000);

  it('secrets only when asked, encrypted with the passphrase; BACKUP_KEEP prunes the oldest', async () => {
    let r = await cli(['backup', '--with-secrets']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs a passphrase.*hint: set DAP_BACKUP_PASSPHRASE/s);
    const passphrase = 'correct horse battery staple';
    r = await cli(['backup', '--with-secrets', '--json'], { DAP_BACKUP_PASSPHRASE: passphrase });
    expect(r.code, r.stderr).toBe(0);
    const dir = (JSON.parse(r.stdout) as { dir: string }).dir;
    const enc = path.join(dir, 'secrets.tar.enc');
    expect(fs.readFileSync(enc).includes(Buffer.from('DAP_MINIO_SECRET_KEY'))).toBe(false);
    expect(await listEncrypted(enc, passphrase)).toEqual([stack.env.DAP_SERVICES_SECRETS!.replace(/^\//, '')]);
    await expect(listEncrypted(enc, 'wrong passphrase!!')).rejects.toThrow(/wrong passphrase/);
    expect(fs.readdirSync(path.dirname(backupDir)).filter((n) => /^\d{8}T/.test(n))).toHaveLength(2);

    fs.mkdirSync(path.join(path.dirname(backupDir), 'not-a-backup'));
    await new Promise((res) => setTimeout(res, 1100)); // backup names have a one-second resolution
    r = await cli(['backup', '--json'], { BACKUP_KEEP: '1' });
    expect(r.code, r.stderr).toBe(0);
    const kept = fs.readdirSync(path.dirname(backupDir)).filter((n) => /^\d{8}T/.test(n));
    expect(kept).toEqual([path.basename((JSON.parse(r.stdout) as { dir: string }).dir)]);
    expect(fs.existsSync(path.join(path.dirname(backupDir), 'not-a-backup')), 'other directories are left alone').toBe(true);
  }, 300_000);
});
