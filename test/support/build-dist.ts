import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { repoRoot as root } from './repo.js';

// Vitest globalSetup: the CLI tests run dist/cli/bin.js, so dist/ is built once before any test
// file, and a failed build stops the run with the compiler's output (no test runs a stale or
// half-built CLI). Skipped when dist/ is newer than every source file.

const stamp = path.join(root, 'dist', '.build-stamp');

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

export default function buildDist(): void {
  const inputs = Math.max(newestSource(path.join(root, 'src')), ...['tsconfig.json', 'package-lock.json'].map((f) => fs.statSync(path.join(root, f)).mtimeMs));
  if (fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= inputs) return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', root], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`building dist/ failed (tsc -p ${root}, exit ${r.status}); no test ran:\n${r.stdout}${r.stderr}`);
  }
  fs.writeFileSync(stamp, `${new Date().toISOString()}\n`);
}
