import fs from 'node:fs';
import path from 'node:path';
import type { OpenEvent } from './events.js';
import { isWithin, realPathInside } from './job-tree.js';

// Where the files a journal's artifact events name are read from when it is shipped — only ever
// from inside the tree the journal was found in (see docs/tracking.md, *Artifacts*).

/**
 * Where a journal's artifact path lives: the job's directory while the journal is where the job
 * wrote it; next to its `.dap/` once it was moved (job artifacts unpacked elsewhere), and only there. Either way
 * only inside `root`: a path that is absolute or climbs with "..", a workdir outside the tree, or a
 * link whose target leaves it gets `outside` — decided on the text first, so nothing outside the
 * tree is even looked at (whether a file exists there is not revealed either).
 */
export function resolveArtifact(journalFile: string, open: OpenEvent, p: string, root: string): { local?: string; outside?: true } {
  if (typeof p !== 'string' || p === '' || path.isAbsolute(p) || p.split(/[\\/]+/).includes('..')) return { outside: true };
  const here = path.resolve(journalFile);
  const parts = here.split(path.sep);
  const dapAt = parts.lastIndexOf('.dap');
  const nextToDap = dapAt > 0 ? path.join(parts.slice(0, dapAt).join(path.sep) || path.sep, p) : undefined;
  const inWorkdir = typeof open.workdir === 'string' && path.isAbsolute(open.workdir) ? path.join(open.workdir, p) : undefined;
  const atHome = open.journalPath !== undefined && path.resolve(open.journalPath) === here;
  let outside = false;
  // a moved journal's files travel with it: its old workdir is another machine's (or nobody's) business
  for (const c of atHome ? [inWorkdir, nextToDap] : [nextToDap]) {
    if (!c) continue;
    if (!isWithin(path.resolve(root), c)) { outside = true; continue; }
    if (!lexists(c)) continue;
    if (realPathInside(root, c)) return { local: c };
    outside = true; // a link pointing out (or nowhere)
  }
  return outside ? { outside: true } : {};
}

function lexists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** [local file, artifact path] for a file or every regular file of a directory tree (links are not followed). */
export function filesUnder(local: string, dest: string, root: string): Array<[string, string]> {
  const st = fs.statSync(local);
  if (!st.isDirectory()) return [[local, dest]];
  const out: Array<[string, string]> = [];
  const walk = (dir: string, rel: string) => {
    for (const ent of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const abs = path.join(dir, ent.name);
      const r = rel ? `${rel}/${ent.name}` : ent.name;
      if (ent.isDirectory()) walk(abs, r);
      else if (ent.isFile() && realPathInside(root, abs)) out.push([abs, dest ? `${dest}/${r}` : r]);
    }
  };
  walk(local, '');
  return out;
}
