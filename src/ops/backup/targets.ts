// What `make backup` / `make restore` talk to. The defaults are the services `make services` runs
// (scripts/services.sh: Postgres on a local socket as the postgres OS user, MinIO on 127.0.0.1,
// MLflow stopped and started through the script). Every part is an environment variable, so the
// same code serves the compose stack of `make provision` (docs/operations.md shows the mapping).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import { packageRoot } from '../../paths.js';

export interface BackupTargets {
  /** where timestamped backup directories go */
  root: string;
  postgres: {
    /** argv prefix that runs a Postgres client tool (e.g. runuser -u postgres --, or docker compose exec -T postgres-service) */
    exec: string[];
    /** directory of pg_dump/pg_restore/psql ('' = on PATH of wherever exec runs) */
    bindir: string;
    host: string;
    port: string;
    user: string;
  };
  objectStore: { endpoint: string; accessKey: string; secretKey: string; python: string };
  mlflowUri: string;
  /** argv to stop / start the services that use the data (MLflow) around a restore */
  stop?: string[];
  start?: string[];
  /** files packed into secrets.tar.enc when secrets are asked for */
  secretFiles: string[];
}

const words = (s: string | undefined) => (s ?? '').split(/\s+/).filter(Boolean);

function pgBindir(): string {
  const base = '/usr/lib/postgresql';
  const versions = fs.existsSync(base) ? fs.readdirSync(base).filter((v) => fs.existsSync(path.join(base, v, 'bin', 'pg_dump'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(base, versions[0], 'bin') : '';
}

function secretsFromFile(file: string): Record<string, string> {
  try {
    return Object.fromEntries([...fs.readFileSync(file, 'utf8').matchAll(/^(\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
  } catch {
    return {};
  }
}

export function backupTargets(env: NodeJS.ProcessEnv = process.env): BackupTargets {
  const cache = env.DAP_CACHE ?? path.join(os.homedir(), '.cache', 'dap');
  const state = env.DAP_SERVICES_STATE ?? path.join(cache, 'services');
  const secretsFile = env.DAP_SERVICES_SECRETS ?? path.join(state, 'secrets.env');
  const secrets = secretsFromFile(secretsFile);
  const isRoot = process.getuid?.() === 0;
  const services = ['bash', path.join(packageRoot, 'scripts', 'services.sh')];
  const accessKey = env.DAP_BACKUP_S3_ACCESS_KEY ?? env.DAP_MINIO_ACCESS_KEY ?? secrets.DAP_MINIO_ACCESS_KEY ?? '';
  const secretKey = env.DAP_BACKUP_S3_SECRET_KEY ?? env.DAP_MINIO_SECRET_KEY ?? secrets.DAP_MINIO_SECRET_KEY ?? '';
  return {
    root: path.resolve(env.DAP_BACKUP_ROOT ?? path.join(cache, 'backups')),
    postgres: {
      exec: env.DAP_BACKUP_PG_EXEC !== undefined ? words(env.DAP_BACKUP_PG_EXEC) : isRoot ? ['runuser', '-u', 'postgres', '--'] : [],
      bindir: env.DAP_BACKUP_PG_BINDIR ?? (env.DAP_BACKUP_PG_EXEC !== undefined ? '' : pgBindir()),
      host: env.DAP_BACKUP_PG_HOST ?? path.join(state, 'pg', 'run'),
      port: env.DAP_BACKUP_PG_PORT ?? env.DAP_PG_PORT ?? '55432',
      user: env.DAP_BACKUP_PG_USER ?? 'postgres',
    },
    objectStore: {
      endpoint: env.DAP_BACKUP_S3_ENDPOINT ?? `http://127.0.0.1:${env.DAP_MINIO_PORT ?? '59000'}`,
      accessKey,
      secretKey,
      python: env.DAP_BACKUP_PYTHON ?? env.DAP_MLFLOW_PYTHON ?? path.join(cache, 'mlflow-venv', 'bin', 'python'),
    },
    mlflowUri: env.DAP_BACKUP_MLFLOW_URI ?? `http://127.0.0.1:${env.DAP_MLFLOW_PORT ?? '55000'}`,
    stop: env.DAP_RESTORE_STOP !== undefined ? words(env.DAP_RESTORE_STOP) : [...services, 'stop-mlflow'],
    start: env.DAP_RESTORE_START !== undefined ? words(env.DAP_RESTORE_START) : [...services, 'start-mlflow'],
    secretFiles: env.DAP_BACKUP_SECRET_FILES !== undefined ? env.DAP_BACKUP_SECRET_FILES.split(':').filter(Boolean) : [secretsFile],
  };
}

export function requireObjectStoreCredentials(t: BackupTargets): void {
  if (!t.objectStore.accessKey || !t.objectStore.secretKey) {
    throw new UsageError(`no credentials for the object store at ${t.objectStore.endpoint}`, 'set DAP_BACKUP_S3_ACCESS_KEY and DAP_BACKUP_S3_SECRET_KEY (the local services keep theirs in secrets.env)');
  }
}
