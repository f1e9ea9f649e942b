// The reusable half of bench/generate.mjs (in bench/, not src/: it must not ship in dist/):
// a synthetic project of N specs × M-point grid sweeps,
// `dap generate` timed end to end in-process against a bare `yaml` stringify of the same output.

import { mkdtemp, mkdir, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import YAML from 'yaml';
import { generateOp } from '../dist/ops/generate.js';

function specText(i, side) {
  const axis = (scale) => Array.from({ length: side }, (_, k) => Number(((k + 1) * scale).toFixed(6)));
  return [
    `name: exp-${String(i).padStart(3, '0')}`,
    'environment: python',
    'command: ["python3", "train.py", "--lr={{ params.lr }}", "--wd={{ params.wd }}", "--tag={{ params.tag }}"]',
    `params: { tag: "run ${i}: it's \\"quoted\\"", epochs: 10 }`,
    'sweep:',
    '  grid:',
    `    lr: [${axis(0.001).join(', ')}]`,
    `    wd: [${axis(0.0001).join(', ')}]`,
    'resources: { tags: [gpu], timeout: 1h }',
    'artifacts: { paths: [outputs/] }',
    '',
  ].join('\n');
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Write the synthetic project (kept for CLI timing); returns its root. */
export async function writeBenchProject(specs = 100, side = 10) {
  const root = await mkdtemp(path.join(tmpdir(), 'dap-bench-'));
  await mkdir(path.join(root, 'experiments'));
  await mkdir(path.join(root, 'environments/python'), { recursive: true });
  await writeFile(path.join(root, 'environments/python/environment.yaml'), 'python: "3.11"\n');
  const ref = `registry.example/bench/env-python@sha256:${'c'.repeat(64)}`;
  await writeFile(path.join(root, 'environments/images.lock.json'), JSON.stringify({ python: { image: 'x', digest: 'sha256:c', ref } }));
  for (let i = 0; i < specs; i++) await writeFile(path.join(root, 'experiments', `exp-${String(i).padStart(3, '0')}.yaml`), specText(i, side));
  return root;
}

/** opts: { specs = 100, side = 10 (a side × side grid per spec), iterations = 15 } */
export async function benchGenerate(opts = {}) {
  const specs = opts.specs ?? 100;
  const side = opts.side ?? 10;
  const iterations = opts.iterations ?? 15;
  const root = await writeBenchProject(specs, side);
  try {
    const run = () => generateOp({ root, mode: 'static', limits: { hierarchyJobs: 1_000_000 } });
    let t = performance.now();
    await run();
    const coldMs = performance.now() - t;
    const text = await readFile(path.join(root, '.gitlab-ci.yml'), 'utf8');
    const output = YAML.parse(text, { version: '1.1' });
    // interleaved, so both sides see the same load on a shared machine
    const gen = [];
    const str = [];
    const phases = {};
    for (let i = 0; i < iterations; i++) {
      await rm(path.join(root, '.gitlab-ci.yml'));
      t = performance.now();
      const r = await run();
      gen.push(performance.now() - t);
      for (const [k, v] of Object.entries(r.timings)) (phases[k] ??= []).push(v);
      t = performance.now();
      YAML.stringify(output);
      str.push(performance.now() - t);
    }
    const generateMs = median(gen);
    const stringifyMs = median(str);
    return { specs, runs: specs * side * side, bytes: Buffer.byteLength(text), coldMs, generateMs, stringifyMs, ratio: generateMs / stringifyMs,
      phases: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, median(v)])) };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
