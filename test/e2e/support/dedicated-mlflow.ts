// A second MLflow server of our own (same Postgres and MinIO as the main one, its own port, pid
// and log: `DAP_MLFLOW_PORT=N scripts/services.sh start-mlflow`), so a test can restart it without
// disturbing other tests that use the main server on 55000.

import path from 'node:path';
import { exec } from '../../../src/adapters/exec/exec.js';
import { repoRoot } from '../../tracking/helpers.js';
import { closedPort } from '../../support/fault-proxy.js';

export interface DedicatedMlflow {
  port: number;
  uri: string;
  restart(): Promise<string>;
  stop(): Promise<void>;
}

export async function startDedicatedMlflow(): Promise<DedicatedMlflow> {
  const port = await closedPort();
  const services = async (cmd: string) => {
    const r = await exec(['bash', path.join(repoRoot, 'scripts', 'services.sh'), cmd], {
      env: { ...process.env, DAP_MLFLOW_PORT: String(port) },
      timeoutMs: 300_000,
    });
    if (r.code !== 0) throw new Error(`DAP_MLFLOW_PORT=${port} scripts/services.sh ${cmd} failed: ${r.stderr}${r.stdout}`);
    return r.stdout + r.stderr;
  };
  await services('start-mlflow');
  return {
    port,
    uri: `http://127.0.0.1:${port}`,
    restart: () => services('restart-mlflow'),
    stop: async () => void (await services('stop-mlflow')),
  };
}
