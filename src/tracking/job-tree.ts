import fs from 'node:fs';
import path from 'node:path';

// "Inside the job's tree" after symlinks: what a journal, a spec or a glob names is read and
// uploaded only when its real path lies under the directory tree it belongs to.

/** The real path of `p` when it exists and lies inside `root` (both after symlinks); else undefined. */
export function realPathInside(root: string, p: string): string | undefined {
  let real: string;
  let realRoot: string;
  try {
    real = fs.realpathSync(p);
    realRoot = fs.realpathSync(root);
  } catch {
    return undefined;
  }
  return isWithin(realRoot, real) ? real : undefined;
}

/** `child` is `parent` or below it (plain path comparison: resolve symlinks first). */
export function isWithin(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..' + path.sep) && rel !== '..' && !path.isAbsolute(rel));
}

/**
 * The tree a journal was found in, when its finder did not say: the directory that holds its
 * `.dap/` (a job's directory, or one unpacked job's artifacts), else the journal's own directory.
 */
export function journalTree(journalFile: string): string {
  const parts = path.resolve(journalFile).split(path.sep);
  const dapAt = parts.lastIndexOf('.dap');
  return dapAt > 0 ? parts.slice(0, dapAt).join(path.sep) || path.sep : path.dirname(path.resolve(journalFile));
}
