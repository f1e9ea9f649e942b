// `make backup`: every Postgres database (pg_dump --format=custom) plus roles, every bucket of the
// object store, optionally the secrets (encrypted), and a manifest with checksums written last.
// The work happens in a hidden .partial directory renamed into place at the end, so a backup that
// was interrupted never looks like one. BACKUP_KEEP=N then prunes the oldest.

import fs from 'node:fs';
import path from 'node:path';
import { backupDirName, MANIFEST_FILE, MANIFEST_FORMAT, pruneList, type Manifest } from '../../core/backup/manifest.js';
import { UsageError } from '../../errors.js';
import { checksumTree } from './files.js';
import { downloadBucket, listBuckets } from './object-store.js';
import { dumpDatabase, dumpGlobals, listDatabases, requirePg } from './postgres.js';
import { encryptFiles, passphraseFrom, SECRETS_FILE } from './secrets.js';
import { backupTargets, requireObjectStoreCredentials, type BackupTargets } from './targets.js';

export interface BackupOptions {
  env?: NodeJS.ProcessEnv;
  targets?: BackupTargets;
  withSecrets?: boolean;
  keep?: number;
  now?: Date;
  onLine?: (line: string) => void;
}

export interface BackupResult { dir: string; manifest: Manifest; pruned: string[] }

export async function backupOp(opts: BackupOptions = {}): Promise<BackupResult> {
  const env = opts.env ?? process.env;
  const t = opts.targets ?? backupTargets(env);
  const say = opts.onLine ?? (() => undefined);
  if (opts.keep !== undefined && (!Number.isInteger(opts.keep) || opts.keep < 1)) throw new UsageError(`BACKUP_KEEP=${opts.keep} must be a whole number >= 1`);
  const passphrase = opts.withSecrets ? passphraseFrom(env) : undefined;
  requireObjectStoreCredentials(t);
  await requirePg(t.postgres);

  fs.mkdirSync(t.root, { recursive: true, mode: 0o700 });
  const name = backupDirName(opts.now ?? new Date());
  const final = path.join(t.root, name);
  if (fs.existsSync(final)) throw new UsageError(`${final} exists already`, 'wait a second and run it again');
  const work = path.join(t.root, `.partial-${name}`);
  fs.mkdirSync(path.join(work, 'postgres'), { recursive: true, mode: 0o700 });
  try {
    const databases = await listDatabases(t.postgres);
    await dumpGlobals(t.postgres, path.join(work, 'postgres', 'globals.sql'));
    for (const db of databases) {
      say(`postgres: dumping ${db}`);
      await dumpDatabase(t.postgres, db, path.join(work, 'postgres', `${db}.dump`));
    }
    const buckets = await listBuckets(t.objectStore);
    for (const b of buckets) {
      const dir = path.join(work, 'objects', b);
      fs.mkdirSync(dir, { recursive: true });
      const r = await downloadBucket(t.objectStore, b, dir);
      say(`objects: ${b}: ${r.objects} object(s), ${r.bytes} bytes`);
    }
    if (passphrase) {
      say(`secrets: ${t.secretFiles.length} file(s), encrypted`);
      await encryptFiles(t.secretFiles, path.join(work, SECRETS_FILE), passphrase);
    }
    say('checksums');
    const files = [...(await checksumTree(work))].map(([p, f]) => ({ path: p, ...f }));
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      created: (opts.now ?? new Date()).toISOString(),
      source: { postgres: `${t.postgres.host}:${t.postgres.port}`, objectStore: t.objectStore.endpoint },
      databases, buckets, secrets: Boolean(passphrase), files,
    };
    fs.writeFileSync(path.join(work, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(work, final);
    const pruned = opts.keep ? pruneList(fs.readdirSync(t.root), opts.keep) : [];
    for (const p of pruned) {
      fs.rmSync(path.join(t.root, p), { recursive: true, force: true });
      say(`pruned ${p}`);
    }
    return { dir: final, manifest, pruned };
  } catch (e) {
    fs.rmSync(work, { recursive: true, force: true });
    throw e;
  }
}
