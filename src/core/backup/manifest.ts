// The backup manifest (manifest.json, written last, so a directory without one is an unfinished
// backup) and the rules around it: names of backup directories, which files a manifest may name,
// comparing it with what is on disk, and which old backups BACKUP_KEEP prunes. Pure.

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 'dap-backup/1';

export interface ManifestFile { path: string; size: number; sha256: string }

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  created: string;
  /** where it came from (no secrets): postgres host:port, object store endpoint */
  source: { postgres: string; objectStore: string };
  databases: string[];
  buckets: string[];
  /** secrets.tar.enc is present (encrypted with a passphrase) */
  secrets: boolean;
  files: ManifestFile[];
}

/** 2026-12-01T12:34:56.789Z → 20261201T123456Z (sorts by time; what BACKUP_KEEP prunes by) */
export function backupDirName(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

export const BACKUP_DIR_RE = /^\d{8}T\d{6}Z$/;

/** A path a manifest may name: relative, no "..", no backslashes, no empty parts. */
export function safeRelativePath(p: string): boolean {
  return typeof p === 'string' && p.length > 0 && p.length < 4096 && !p.startsWith('/') && !p.includes('\\') && !p.includes('\0')
    && p.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

/** A database name or bucket name we are willing to pass to tools (no options, no paths). */
export function safeName(n: unknown): n is string {
  return typeof n === 'string' && /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(n);
}

export function parseManifest(text: string, file: string): { manifest?: Manifest; problems: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { problems: [`${file}: not JSON (${(e as Error).message})`] };
  }
  const m = raw as Partial<Manifest>;
  const problems: string[] = [];
  if (!m || typeof m !== 'object') return { problems: [`${file}: not a JSON object`] };
  if (m.format !== MANIFEST_FORMAT) problems.push(`${file}: format ${JSON.stringify(m.format)}, expected ${MANIFEST_FORMAT}`);
  if (!Array.isArray(m.databases) || !m.databases.every(safeName)) problems.push(`${file}: databases must be a list of plain names`);
  if (!Array.isArray(m.buckets) || !m.buckets.every(safeName)) problems.push(`${file}: buckets must be a list of plain names`);
  if (!Array.isArray(m.files)) problems.push(`${file}: files must be a list`);
  else {
    m.files.forEach((f, i) => {
      if (!f || !safeRelativePath(f.path) || !Number.isSafeInteger(f.size) || f.size < 0 || !/^[0-9a-f]{64}$/.test(String(f.sha256))) {
        problems.push(`${file}: files[${i}] needs a relative path (no ..), a size and a sha256`);
      }
    });
    const named = (p: string) => m.files!.some((f) => f?.path === p);
    if (!named('postgres/globals.sql')) problems.push(`${file}: no postgres/globals.sql entry (the roles)`);
    for (const db of (Array.isArray(m.databases) ? m.databases : []).filter(safeName)) if (!named(`postgres/${db}.dump`)) problems.push(`${file}: database ${db} has no postgres/${db}.dump entry`);
  }
  return problems.length ? { problems } : { manifest: m as Manifest, problems };
}

/** What differs between the manifest and the files found (path → size and sha256 as computed). */
export function verifyFiles(m: Manifest, found: ReadonlyMap<string, { size: number; sha256: string }>): string[] {
  const problems: string[] = [];
  for (const f of m.files) {
    const got = found.get(f.path);
    if (!got) problems.push(`${f.path} is missing`);
    else if (got.size !== f.size) problems.push(`${f.path} has ${got.size} bytes, the manifest says ${f.size}`);
    else if (got.sha256 !== f.sha256) problems.push(`${f.path} does not match its checksum (corrupted)`);
  }
  for (const p of found.keys()) if (p !== MANIFEST_FILE && !m.files.some((f) => f.path === p)) problems.push(`${p} is not in the manifest`);
  return problems;
}

/** Backup directory names to delete so that the newest `keep` remain (others' names untouched). */
export function pruneList(names: readonly string[], keep: number): string[] {
  const ours = names.filter((n) => BACKUP_DIR_RE.test(n)).sort();
  return keep >= ours.length ? [] : ours.slice(0, ours.length - keep);
}
