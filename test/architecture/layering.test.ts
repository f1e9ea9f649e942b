import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// dap's layers: core <- adapters <- tracking <- ops <- cli. A module may import its own layer or a
// lower one, never a higher one; src/*.ts (errors, paths) sit below them all. core does no I/O.
// Static imports, `export ... from` and dynamic import() are all checked.

const SRC = path.resolve(import.meta.dirname, '../../src');
const LAYERS = ['core', 'adapters', 'tracking', 'ops', 'cli'] as const;

/**
 * Known violations waiting for their fix. Each entry must still exist (a fixed one must be removed
 * here), and nothing else may be added without a reason.
 */
const ALLOWED: ReadonlyArray<{ from: string; to: string; why: string }> = [];

const NO_IO_IN_CORE = /^node:(fs|fs\/promises|child_process|net|http|https|dgram|tls|worker_threads)$/;

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Module specifiers of every import, re-export and dynamic import in a file (comments stripped). */
export function importsOf(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  for (const m of code.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?\sfrom\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of code.matchAll(/(?:^|[\s;])import\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!);
  return out;
}

function layerOf(rel: string): number {
  const top = rel.split('/')[0]!;
  const i = LAYERS.indexOf(top as (typeof LAYERS)[number]);
  return rel.includes('/') ? (i >= 0 ? i : Number.NaN) : -1; // src/*.ts: below every layer
}

interface Edge { from: string; to: string }

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of sources(SRC)) {
    const from = path.relative(SRC, file).split(path.sep).join('/');
    for (const spec of importsOf(fs.readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) {
        out.push({ from, to: spec });
        continue;
      }
      const to = path.relative(SRC, path.resolve(path.dirname(file), spec)).split(path.sep).join('/').replace(/\.js$/, '.ts');
      out.push({ from, to });
    }
  }
  return out;
}

describe('layering', () => {
  const all = edges();
  const internal = all.filter((e) => !e.to.startsWith('node:') && /\.ts$/.test(e.to));

  it('finds the imports it checks (static, re-export, dynamic)', () => {
    expect(importsOf(`import a from './x.js';\nexport { b } from "../y.js";\nconst c = await import('./z.js');\n// import d from './no.js'\nimport type { T } from './t.js';\nimport './side.js';`))
      .toEqual(['./x.js', '../y.js', './t.js', './side.js', './z.js']);
    expect(internal.length).toBeGreaterThan(200);
    expect(internal.some((e) => e.from.startsWith('cli/') && e.to.startsWith('ops/'))).toBe(true);
  });

  it('every src file is in a known layer', () => {
    expect(sources(SRC).map((f) => path.relative(SRC, f).split(path.sep).join('/')).filter((f) => Number.isNaN(layerOf(f)))).toEqual([]);
  });

  it('no module imports a higher layer (core <- adapters <- tracking <- ops <- cli)', () => {
    const upward = internal.filter((e) => layerOf(e.to) > layerOf(e.from));
    const unexpected = upward.filter((e) => !ALLOWED.some((a) => a.from === e.from && a.to === e.to));
    expect(unexpected.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it('every allowlisted violation still exists (remove the entry once it is fixed)', () => {
    const stale = ALLOWED.filter((a) => !internal.some((e) => e.from === a.from && e.to === a.to));
    expect(stale.map((a) => `${a.from} -> ${a.to}`)).toEqual([]);
  });

  it('core does no I/O', () => {
    const io = all.filter((e) => e.from.startsWith('core/') && NO_IO_IN_CORE.test(e.to));
    expect(io.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });
});
