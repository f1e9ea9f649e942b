// `make restore BACKUP=dir`: checks the manifest and every checksum before touching anything, then
// (with MLflow stopped) recreates each database from its dump and puts every bucket back exactly
// as it was, starts the services again and runs `dap doctor` on MLflow.

import fs from 'node:fs';
import path from 'node:path';
import { MANIFEST_FILE, parseManifest, verifyFiles } from '../../core/backup/manifest.js';
import { DapError, UsageError } from '../../errors.js';
import { exec } from '../../adapters/exec/exec.js';
import { doctorOp, type DoctorResult } from '../doctor/index.js';
import { checksumTree } from './files.js';
import { listBuckets, uploadBucket } from './object-store.js';
import { requirePg, restoreDatabase, restoreGlobals } from './postgres.js';
import { backupTargets, requireObjectStoreCredentials, type BackupTargets } from './targets.js';

export interface RestoreOptions {
  dir: string;
  env?: NodeJS.ProcessEnv;
  targets?: BackupTargets;
  /** stop MLflow first when it runs (make restore does); without it a running MLflow is refused */
  stopServices?: boolean;
  onLine?: (line: string) => void;
}

export interface RestoreResult { dir: string; databases: string[]; buckets: string[]; doctor: DoctorResult }

async function mlflowUp(uri: string): Promise<boolean> {
  try {
    const r = await fetch(`${uri}/health`, { signal: AbortSignal.timeout(3000) });
    await r.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

async function run(argv: string[] | undefined, what: string): Promise<void> {
  if (!argv?.length) return;
  const r = await exec(argv, { timeoutMs: 600_000 });
  if (r.code !== 0) throw new DapError(`${what} (${argv.join(' ')}) failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`);
}

/** Everything that can be checked without touching a service. */
export async function verifyBackup(dir: string): Promise<ReturnType<typeof parseManifest>['manifest'] & object> {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`${dir} is not a directory`, 'pass BACKUP=<a directory made by make backup>');
  const mf = path.join(dir, MANIFEST_FILE);
  if (!fs.existsSync(mf)) {
    throw new DapError(`${dir} is not a complete backup: it has no ${MANIFEST_FILE} (the manifest is written last, so this backup never finished)`, { hint: 'restore another backup (ls the backup directory; .partial-* ones are unfinished)' });
  }
  const { manifest, problems } = parseManifest(fs.readFileSync(mf, 'utf8'), mf);
  if (!manifest) throw new DapError(`refusing to restore: ${problems.join('; ')}`, { hint: 'the manifest is damaged: restore another backup' });
  const diff = verifyFiles(manifest, await checksumTree(dir));
  if (diff.length) {
    throw new DapError(`refusing to restore ${dir}, nothing was touched: ${diff.slice(0, 5).join('; ')}${diff.length > 5 ? `; and ${diff.length - 5} more` : ''}`, { hint: 'the backup is incomplete or corrupted: restore another one' });
  }
  return manifest;
}

export async function restoreOp(opts: RestoreOptions): Promise<RestoreResult> {
  const env = opts.env ?? process.env;
  const t = opts.targets ?? backupTargets(env);
  const say = opts.onLine ?? (() => undefined);
  const dir = path.resolve(opts.dir);
  say(`verifying ${dir}`);
  const manifest = await verifyBackup(dir);
  say(`verified ${manifest.files.length} file(s) against the manifest of ${manifest.created}`);
  requireObjectStoreCredentials(t);

  if (await mlflowUp(t.mlflowUri)) {
    if (!opts.stopServices) {
      throw new DapError(`MLflow at ${t.mlflowUri} is running: restoring under a running server would mix old and new data`, {
        hint: 'stop it first (scripts/services.sh stop-mlflow; compose: docker compose stop mlflow), or use make restore, which stops and restarts it',
      });
    }
    say('stopping MLflow');
    await run(t.stop, 'stopping MLflow');
    if (await mlflowUp(t.mlflowUri)) throw new DapError(`MLflow at ${t.mlflowUri} still answers after the stop command`, { hint: 'check DAP_RESTORE_STOP' });
  }
  await requirePg(t.postgres);
  await listBuckets(t.objectStore); // reachable with these credentials, before the first change

  say('postgres: roles');
  await restoreGlobals(t.postgres, path.join(dir, 'postgres', 'globals.sql'));
  for (const db of manifest.databases) {
    say(`postgres: restoring ${db}`);
    await restoreDatabase(t.postgres, db, path.join(dir, 'postgres', `${db}.dump`));
  }
  for (const b of manifest.buckets) {
    const src = path.join(dir, 'objects', b);
    fs.mkdirSync(src, { recursive: true }); // an empty bucket has no files, hence no directory
    const r = await uploadBucket(t.objectStore, b, src);
    say(`objects: ${b}: ${r.objects} object(s) restored, ${r.removed} removed`);
  }
  say('starting MLflow');
  await run(t.start, 'starting MLflow');
  const doctor = await doctorOp({ env: { ...env, MLFLOW_TRACKING_URI: t.mlflowUri }, only: ['mlflow'] });
  return { dir, databases: manifest.databases, buckets: manifest.buckets, doctor };
}
