import fs from 'node:fs';
import path from 'node:path';
import { realPathInside } from './job-tree.js';

// Declared artifact paths (spec artifacts.paths) → concrete files/directories, at journal time.
// Supports `*`, `?` (within one path segment) and `**` (any depth). Node 20 has no fs.glob.
// Patterns are relative (jobPathProblem refused the others) and a match whose real path leaves the
// job's directory (a symlink pointing out) is never recorded.

export interface ArtifactMatch {
  /** as recorded in the journal: relative to the workdir */
  path: string;
  /** artifact path inside the run */
  dest: string;
}

export function expandArtifacts(patterns: readonly string[], workdir: string): { matches: ArtifactMatch[]; unmatched: string[]; outside: string[] } {
  const matches: ArtifactMatch[] = [];
  const unmatched: string[] = [];
  const outside: string[] = [];
  const seen = new Set<string>();
  for (const pattern of patterns) {
    const found = /[*?[]/.test(pattern) ? glob(pattern, workdir) : [path.resolve(workdir, pattern)].filter((p) => fs.existsSync(p));
    if (found.length === 0) unmatched.push(pattern);
    for (const abs of found) {
      if (seen.has(abs)) continue;
      seen.add(abs);
      const rel = path.relative(workdir, abs);
      if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel) || !realPathInside(workdir, abs)) {
        outside.push(rel && !path.isAbsolute(rel) ? rel : abs);
        continue;
      }
      const recorded = rel.split(path.sep).join('/');
      matches.push({ path: recorded, dest: recorded });
    }
  }
  return { matches, unmatched, outside };
}

function glob(pattern: string, workdir: string): string[] {
  const segments = pattern.split('/').filter((s) => s !== '' && s !== '.');
  const out: string[] = [];
  const walk = (dir: string, i: number) => {
    if (i === segments.length) { out.push(dir); return; }
    const seg = segments[i]!;
    if (seg === '**') {
      walk(dir, i + 1);
      for (const ent of safeReaddir(dir)) if (ent.isDirectory()) walk(path.join(dir, ent.name), i);
      return;
    }
    if (!/[*?[]/.test(seg)) {
      const next = path.join(dir, seg);
      if (fs.existsSync(next)) walk(next, i + 1);
      return;
    }
    const re = segmentRegex(seg);
    for (const ent of safeReaddir(dir)) if (re.test(ent.name)) walk(path.join(dir, ent.name), i + 1);
  };
  walk(workdir, 0);
  return [...new Set(out)].sort();
}

function segmentRegex(seg: string): RegExp {
  let re = '';
  for (const ch of seg) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function safeReaddir(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}
