// Postgres for backup and restore through its own client tools (pg_dump --format=custom,
// pg_restore, psql), run through a configurable argv prefix so the same code reaches a local
// cluster (runuser -u postgres --) or a container (docker compose exec -T postgres-service).

import fs from 'node:fs';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { exec } from '../../adapters/exec/exec.js';
import { DapError, UnavailableError } from '../../errors.js';
import type { BackupTargets } from './targets.js';

type Pg = BackupTargets['postgres'];

const tool = (pg: Pg, name: string, ...args: string[]) => [...pg.exec, pg.bindir ? path.join(pg.bindir, name) : name, '-h', pg.host, '-p', pg.port, '-U', pg.user, ...args];

function failed(what: string, r: { code: number | null; stderr: string }): DapError {
  return new DapError(`${what} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
}

export async function pgReady(pg: Pg): Promise<boolean> {
  const r = await exec(tool(pg, 'pg_isready', '-q'), { timeoutMs: 15_000 }).catch(() => ({ code: 1 }));
  return r.code === 0;
}

export async function requirePg(pg: Pg): Promise<void> {
  if (!(await pgReady(pg))) {
    throw new UnavailableError(`Postgres at ${pg.host}:${pg.port} does not answer`, 'start it first (scripts/services.sh start-pg, or docker compose start postgres-service): backup and restore need it running');
  }
}

/** Every database that holds data: not the templates, not the maintenance database `postgres`. */
export async function listDatabases(pg: Pg): Promise<string[]> {
  const r = await exec(tool(pg, 'psql', '-d', 'postgres', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', "select datname from pg_database where not datistemplate and datallowconn and datname <> 'postgres' order by 1"), { timeoutMs: 30_000 });
  if (r.code !== 0) throw failed('listing databases', r);
  return r.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
}

async function toFile(argv: string[], file: string, what: string): Promise<void> {
  const out = fs.createWriteStream(file, { mode: 0o600 });
  const r = await exec(argv, { stdout: out, timeoutMs: 6 * 3600_000 });
  out.end();
  await finished(out);
  if (r.code !== 0) throw failed(what, r);
}

export function dumpDatabase(pg: Pg, db: string, file: string): Promise<void> {
  return toFile(tool(pg, 'pg_dump', '--format=custom', '-d', db), file, `pg_dump of ${db}`);
}

/** Roles and tablespaces, without password hashes (those are secrets; the services set them again). */
export function dumpGlobals(pg: Pg, file: string): Promise<void> {
  return toFile(tool(pg, 'pg_dumpall', '--globals-only', '--no-role-passwords'), file, 'pg_dumpall --globals-only');
}

/** Roles that exist already make psql complain; that is expected, so errors do not stop it. */
export async function restoreGlobals(pg: Pg, file: string): Promise<void> {
  const r = await exec(tool(pg, 'psql', '-d', 'postgres', '-Xq', '-f', '-'), { stdin: fs.createReadStream(file), timeoutMs: 600_000 });
  if (r.code !== 0) throw failed('restoring roles (globals.sql)', r);
}

/** Drops the database and creates it again from the dump (nobody may be connected: MLflow is stopped). */
export async function restoreDatabase(pg: Pg, db: string, file: string): Promise<void> {
  const r = await exec(tool(pg, 'pg_restore', '--clean', '--if-exists', '--create', '--exit-on-error', '-d', 'postgres'), { stdin: fs.createReadStream(file), timeoutMs: 6 * 3600_000 });
  if (r.code !== 0) throw failed(`pg_restore of ${db}`, r);
}
