// Checksums of a backup directory's files, streamed (dumps can be large).

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(fs.createReadStream(file), h);
  return h.digest('hex');
}

/** Every regular file below `dir` (relative, with /), its size and sha256. Symlinks are not followed. */
export async function checksumTree(dir: string): Promise<Map<string, { size: number; sha256: string }>> {
  const out = new Map<string, { size: number; sha256: string }>();
  const entries = fs.readdirSync(dir, { withFileTypes: true, recursive: true });
  for (const e of entries) {
    const full = path.join(e.parentPath, e.name);
    if (!e.isFile()) continue;
    const rel = path.relative(dir, full).split(path.sep).join('/');
    out.set(rel, { size: fs.statSync(full).size, sha256: await sha256File(full) });
  }
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}
