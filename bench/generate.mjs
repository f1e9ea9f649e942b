#!/usr/bin/env node
// dap generate on 100 specs × 100-point grids (10,000 jobs) vs a bare yaml stringify of the same
// output, in one process; then the CLI as a fresh process (cold: node start, schema compile).
// Build first: npx tsc -p . ; then: node bench/generate.mjs [specs] [side] [iterations]
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchGenerate, writeBenchProject } from './generate-bench.mjs';

const [specs = 100, side = 10, iterations = 15] = process.argv.slice(2).map(Number);
const f = (ms) => `${ms.toFixed(0)} ms`;

const r = await benchGenerate({ specs, side, iterations });
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`bench/generate: ${r.specs} specs × ${side * side}-point grids = ${r.runs} jobs, ${(r.bytes / 1e6).toFixed(2)} MB of YAML (--static)`);
console.log(`  in-process dap generate (load+validate specs, plan, build+emit, schema+semantic lint, write), median of ${iterations}: ${f(r.generateMs)}`);
console.log(`    phases (median ms): ${Object.entries(r.phases).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}; first call in the process: ${f(r.coldMs)}`);
console.log(`  bare yaml stringify of the same output, median of ${iterations}: ${f(r.stringifyMs)}`);
console.log(`  ratio: ${r.ratio.toFixed(2)}×  (goal ≤ 3×)   [load average ${load()}]`);

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli/bin.js');
const root = await writeBenchProject(specs, side);
const walls = [];
// 5 fresh processes; the first may compile and cache the schemas (a fresh $DAP_CACHE): the median is a warm-cache start
for (let i = 0; i < 5; i++) {
  rmSync(path.join(root, '.gitlab-ci.yml'), { force: true });
  const t = performance.now();
  const p = spawnSync(process.execPath, [bin, 'generate', '--static', '--max-jobs', '1000000', '--root', root], { encoding: 'utf8' });
  walls.push(performance.now() - t);
  if (p.status !== 0) { console.error(p.stderr); process.exit(1); }
}
rmSync(root, { recursive: true, force: true });
walls.sort((a, b) => a - b);
console.log(`  cold CLI \`dap generate --static\` (fresh node process), median of 5: ${f(walls[2])}  (goal < 1000 ms wall)   [load average ${load()}]`);
