import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exec } from '../../src/adapters/exec/exec.js';
import { requireMlflowAt } from '../support/mlflow-services.js';

import { repoRoot } from '../support/repo.js';

export { repoRoot };
export const cliBin = path.join(repoRoot, 'dist/cli/bin.js');
/** the port scripts/services.sh gives MLflow (override only to point at another real server) */
export const MLFLOW_URI = process.env.DAP_TEST_MLFLOW_URI ?? 'http://127.0.0.1:55000';
export const PYTHON = process.env.DAP_MLFLOW_PYTHON ?? path.join(os.homedir(), '.cache/dap/mlflow-venv/bin/python');
/** nothing listens here (connection refused): a tracking server that is down */
export const DEAD_URI = 'http://127.0.0.1:55099';

export const requireMlflow = (): Promise<void> => requireMlflowAt(MLFLOW_URI);

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `dap-${prefix}-`));
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

export interface CliRun { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Runs `node dist/cli/bin.js ARGS` with a clean tracking environment plus `env`. */
export function dap(args: string[], opts: { cwd: string; env?: Record<string, string | undefined> }): Promise<CliRun> {
  return exec(['node', cliBin, ...args], { cwd: opts.cwd, env: cleanEnv(opts.env), timeoutMs: 110_000 });
}

/** Starts the CLI and returns the child, for signal tests. */
export function dapSpawn(args: string[], opts: { cwd: string; env?: Record<string, string | undefined> }) {
  const child = spawn('node', [cliBin, ...args], { cwd: opts.cwd, env: cleanEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  const done = new Promise<CliRun>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(DAP_|CI_|MLFLOW_|GITLAB_)/.test(k)) continue;
    env[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export interface ReadbackRun {
  run_id: string;
  experiment_id: string;
  status: string;
  run_name: string;
  start_time: number;
  end_time: number | null;
  params: Record<string, string>;
  tags: Record<string, string>;
  history: Record<string, Array<[number, number | string, number]>>;
  artifacts: Array<{ path: string; size: number }>;
}

/** The experiment as the MLflow Python client sees it. */
export async function readBack(experiment: string): Promise<{ count: number; runs: ReadbackRun[] }> {
  const r = await exec([PYTHON, path.join(repoRoot, 'test/tracking/readback.py'), MLFLOW_URI, experiment], { timeoutMs: 100_000 });
  if (r.code !== 0) throw new Error(`readback.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { count: number; runs: ReadbackRun[] };
}

/** Object keys under `prefix` in the MinIO bucket behind MLflow (credentials from scripts/services.sh). */
export async function minioKeys(prefix: string): Promise<string[]> {
  const envOut = await exec(['bash', path.join(repoRoot, 'scripts/services.sh'), 'env', '--with-secrets']);
  if (envOut.code !== 0) throw new Error(`scripts/services.sh env failed: ${envOut.stderr}`);
  const vars = Object.fromEntries([...envOut.stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
  const script = [
    'import boto3, os, sys',
    's3 = boto3.client("s3", endpoint_url=os.environ["EP"], aws_access_key_id=os.environ["AK"], aws_secret_access_key=os.environ["SK"])',
    'for page in s3.get_paginator("list_objects_v2").paginate(Bucket=os.environ["B"], Prefix=sys.argv[1]):',
    '    for o in page.get("Contents", []): print(o["Key"])',
  ].join('\n');
  const r = await exec([PYTHON, '-c', script, prefix], {
    env: { ...process.env, EP: vars.DAP_MINIO_ENDPOINT, AK: vars.DAP_MINIO_ACCESS_KEY, SK: vars.DAP_MINIO_SECRET_KEY, B: vars.DAP_MINIO_BUCKET },
  });
  if (r.code !== 0) throw new Error(`listing MinIO failed: ${r.stderr.split('\n').slice(-3).join(' ')}`);
  return r.stdout.split('\n').filter(Boolean).sort();
}

/** A small training script: writes dict-form and key/value metric lines while it runs. */
export const TRAIN_PY = `
import json, os, sys, time, signal
f = open(os.environ["DAP_METRICS_FILE"], "a")
steps = int(os.environ.get("STEPS", "5"))
for step in range(steps):
    f.write(json.dumps({"step": step, "loss": 1.0 / (step + 1), "acc": step / 10}) + "\\n"); f.flush()
    f.write(json.dumps({"key": "lr_now", "value": 0.1 * (0.9 ** step), "step": step}) + "\\n"); f.flush()
    time.sleep(float(os.environ.get("SLEEP", "0.05")))
if os.environ.get("BAD"):
    f.write("this is not json\\n")
    f.write(json.dumps({"key": "bad key!", "value": 1}) + "\\n")
    f.write(json.dumps({"key": "text", "value": "abc"}) + "\\n")
    f.write(json.dumps({"key": "nan_metric", "value": float("nan"), "step": 0}) + "\\n")
    f.write(json.dumps({"key": "inf_metric", "value": float("inf"), "step": 0}) + "\\n")
f.close()
os.makedirs("out/sub", exist_ok=True)
open("out/model.txt", "w").write("weights")
open("out/sub/extra.txt", "w").write("more")
json.dump({"final_acc": 0.93, "curve": [0.5, 0.6, 0.7]}, open("metrics.json", "w"))
open("history.csv", "w").write("epoch,val_loss,val_acc\\n0,0.9,0.5\\n1,0.7,0.6\\n2,0.6,\\n")
if os.environ.get("HANG"):
    time.sleep(60)
sys.exit(int(os.environ.get("EXIT", "0")))
`;

/** A job's artifacts archive as GitLab builds it: paths relative to the project dir (symlinks are not stored). */
export async function zipOf(dir: string, entries: string[]): Promise<Buffer> {
  const out = path.join(tmpDir('zip'), 'artifacts.zip');
  const script = 'import os,sys,zipfile\nz=zipfile.ZipFile(sys.argv[1],"w",zipfile.ZIP_DEFLATED)\nos.chdir(sys.argv[2])\n' +
    'for e in sys.argv[3:]:\n  for root,ds,fs in os.walk(e) if os.path.isdir(e) else [(os.path.dirname(e),[],[os.path.basename(e)])]:\n' +
    '    for f in fs:\n      p=os.path.join(root,f)\n      if not os.path.islink(p): z.write(p)\nz.close()\n';
  const r = await exec(['python3', '-c', script, out, dir, ...entries]);
  if (r.code !== 0) throw new Error(r.stderr);
  return fs.readFileSync(out);
}
