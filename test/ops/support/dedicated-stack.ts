// A whole services stack of the test's own (Postgres, MinIO, MLflow on free ports, state in a temp
// directory; scripts/services.sh with DAP_SERVICES_STATE and the DAP_*_PORT knobs), so a test can
// stop, wipe and restore services without touching the shared ones on 55432/59000/55000.
// The MinIO binary and the MLflow venv are the shared cache's (built by `make services`).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exec } from '../../../src/adapters/exec/exec.js';
import { closedPort } from '../../support/fault-proxy.js';
import { repoRoot } from '../../tracking/helpers.js';

export interface DedicatedStack {
  state: string;
  /** the variables that point scripts/services.sh, dap backup/restore and the Python client at this stack */
  env: Record<string, string>;
  mlflowUri: string;
  services(cmd: string): Promise<string>;
  destroy(): Promise<void>;
}

export async function startDedicatedStack(prefix: string): Promise<DedicatedStack> {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), `dap-t9-${prefix}-`));
  const cache = process.env.DAP_CACHE ?? path.join(os.homedir(), '.cache', 'dap');
  const [pg, minio, console_, mlflow] = [await closedPort(), await closedPort(), await closedPort(), await closedPort()];
  const env: Record<string, string> = {
    DAP_CACHE: cache,
    DAP_SERVICES_STATE: state,
    DAP_SERVICES_SECRETS: path.join(state, 'secrets.env'),
    DAP_PG_PORT: String(pg),
    DAP_MINIO_PORT: String(minio),
    DAP_MINIO_CONSOLE_PORT: String(console_),
    DAP_MLFLOW_PORT: String(mlflow),
    DAP_MLFLOW_PYTHON: path.join(cache, 'mlflow-venv', 'bin', 'python'),
    DAP_BACKUP_ROOT: path.join(state, 'backups'),
  };
  const services = async (cmd: string) => {
    const r = await exec(['bash', path.join(repoRoot, 'scripts', 'services.sh'), cmd], { env: { ...process.env, ...env }, timeoutMs: 300_000 });
    if (r.code !== 0) throw new Error(`scripts/services.sh ${cmd} (dedicated ${state}) failed: ${r.stderr}${r.stdout}`);
    return r.stdout + r.stderr;
  };
  await services('up');
  return {
    state, env, mlflowUri: `http://127.0.0.1:${mlflow}`, services,
    async destroy() {
      await services('down').catch(() => undefined);
      fs.rmSync(state, { recursive: true, force: true });
    },
  };
}
