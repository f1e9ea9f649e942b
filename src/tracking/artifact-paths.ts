import fs from 'node:fs';
import path from 'node:path';

// Declared artifact paths (spec artifacts.paths) → concrete files/directories, at journal time.
// Supports `*`, `?` (within one path segment) and `**` (any depth). Node 20 has no fs.glob.

export interface ArtifactMatch {
  /** as recorded in the journal: relative to the workdir when inside it */
  path: string;
  /** artifact path inside the run */
  dest: string;
}

export function expandArtifacts(patterns: readonly string[], workdir: string): { matches: ArtifactMatch[]; unmatched: string[] } {
  const matches: ArtifactMatch[] = [];
  const unmatched: string[] = [];
  const seen = new Set<string>();
  for (const pattern of patterns) {
    const found = /[*?[]/.test(pattern) ? glob(pattern, workdir) : [path.resolve(workdir, pattern)].filter((p) => fs.existsSync(p));
    if (found.length === 0) unmatched.push(pattern);
    for (const abs of found) {
      if (seen.has(abs)) continue;
      seen.add(abs);
      const rel = path.relative(workdir, abs);
      const inside = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
      const recorded = inside ? rel.split(path.sep).join('/') : abs;
      matches.push({ path: recorded, dest: inside ? recorded : path.basename(abs) });
    }
  }
  return { matches, unmatched };
}

function glob(pattern: string, workdir: string): string[] {
  const abs = path.isAbsolute(pattern);
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
  walk(abs ? '/' : workdir, 0);
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
