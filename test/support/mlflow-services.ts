// The real services started by `scripts/services.sh up`. Tests FAIL (not skip) when they are down.

import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exec } from '../../src/adapters/exec/exec.js';

export const trackingUri = process.env.MLFLOW_TRACKING_URI ?? 'http://127.0.0.1:55000';
const cache = process.env.DAP_CACHE ?? path.join(os.homedir(), '.cache', 'dap');
export const python = process.env.DAP_MLFLOW_PYTHON ?? path.join(cache, 'mlflow-venv', 'bin', 'python');
export const minioEndpoint = process.env.DAP_MINIO_ENDPOINT ?? 'http://127.0.0.1:59000';
export const minioBucket = process.env.DAP_MINIO_BUCKET ?? 'mlflow';
const secretsFile = process.env.DAP_SERVICES_SECRETS ?? path.join(cache, 'services', 'secrets.env');

/** Takes no arguments: tests pass it straight to beforeAll, which hands hooks a context. */
export const requireMlflow = (): Promise<void> => requireMlflowAt(trackingUri);

export async function requireMlflowAt(uri: string): Promise<void> {
  let ok = false;
  let detail = '';
  try {
    const res = await fetch(`${uri}/health`, { signal: AbortSignal.timeout(5000) });
    ok = res.ok;
    detail = `HTTP ${res.status}`;
  } catch (err) {
    detail = String((err as Error).cause ?? err);
  }
  if (!ok) {
    throw new Error(`MLflow is not up at ${uri} (${detail}): start the services with \`scripts/services.sh up\` (make test does)`);
  }
}

export function minioCredentials(): { accessKey: string; secretKey: string } {
  let text: string;
  try {
    text = readFileSync(secretsFile, 'utf8');
  } catch {
    throw new Error(`cannot read ${secretsFile}: start the services with \`scripts/services.sh up\``);
  }
  const get = (k: string) => new RegExp(`^${k}=(.*)$`, 'm').exec(text)?.[1];
  const accessKey = get('DAP_MINIO_ACCESS_KEY');
  const secretKey = get('DAP_MINIO_SECRET_KEY');
  if (!accessKey || !secretKey) throw new Error(`${secretsFile} lacks MinIO credentials`);
  return { accessKey, secretKey };
}

/** Runs a Python snippet in the MLflow venv; `args` arrive as sys.argv[1] (JSON); the snippet prints JSON. */
export async function py<T>(code: string, args: unknown, extraEnv: NodeJS.ProcessEnv = {}): Promise<T> {
  const r = await exec([python, '-c', code, JSON.stringify(args)], {
    env: { ...process.env, MLFLOW_TRACKING_URI: trackingUri, ...extraEnv },
    timeoutMs: 300_000,
  });
  if (r.code !== 0) throw new Error(`python failed (${r.code}): ${r.stderr.slice(-2000)}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? 'null') as T;
}

/** What the MLflow Python client sees of a run: metric histories, params, tags, artifacts. */
export interface PyRunView {
  status: string;
  params: Record<string, string>;
  tags: Record<string, string>;
  history: Record<string, Array<[number, number | null, number]>>; // [step, value (NaN → null), timestamp]
  artifacts: string[];
}

export function pyRunView(runId: string, keys: string[]): Promise<PyRunView> {
  return py<PyRunView>(
    `
import json, math, sys
from mlflow import MlflowClient
a = json.loads(sys.argv[1]); c = MlflowClient()
r = c.get_run(a["run_id"])
def walk(p=None):
    out = []
    for f in c.list_artifacts(a["run_id"], p):
        out += walk(f.path) if f.is_dir else [f.path]
    return out
hist = {k: [[m.step, None if math.isnan(m.value) else m.value, m.timestamp] for m in c.get_metric_history(a["run_id"], k)] for k in a["keys"]}
print(json.dumps({"status": r.info.status, "params": r.data.params, "tags": r.data.tags, "history": hist, "artifacts": sorted(walk())}))
`,
    { run_id: runId, keys },
  );
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
