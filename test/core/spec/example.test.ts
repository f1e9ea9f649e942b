// The shipped example: its spec expands to 4-8 runs and every run of experiments/toy_regression/train.py
// works as the generated job would call it (argv with params substituted, $DAP_PARAMS_FILE, $DAP_METRICS_FILE).
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { planExperiments } from '../../../src/core/plan/index.js';
import { renderArgvItem } from '../../../src/core/spec/template.js';
import { loadSpecs } from '../../../src/ops/load-specs.js';
import { repoRoot } from './helpers.js';

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

describe('experiments/toy-regression', () => {
  it('every planned run trains, writes per-step metrics, metrics.json and outputs/model.json', async () => {
    const specs = await loadSpecs(repoRoot, [path.join(repoRoot, 'experiments/toy-regression.yaml')], { environments: ['python'] });
    const [exp] = planExperiments(specs).experiments;
    expect(exp!.runs.length).toBeGreaterThanOrEqual(4);
    expect(exp!.runs.length).toBeLessThanOrEqual(8);
    const command = exp!.spec.command as string[];
    const finals: Array<{ lr: number; val: number }> = [];
    for (const r of exp!.runs) {
      const work = await fs.mkdtemp(path.join(os.tmpdir(), 'dap-toy-'));
      dirs.push(work);
      const paramsFile = path.join(work, 'params.json');
      const metricsFile = path.join(work, 'steps.jsonl');
      await fs.writeFile(paramsFile, JSON.stringify(r.params));
      const argv = command.map((item) => renderArgvItem(item, r.params));
      // paths in the spec are relative to the project root; the job runs from there
      const script = path.join(repoRoot, argv[1]!);
      await run(argv[0]!, [script, ...argv.slice(2)], { cwd: work, env: { ...process.env, DAP_PARAMS_FILE: paramsFile, DAP_METRICS_FILE: metricsFile } });
      const steps = (await fs.readFile(metricsFile, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as { step: number; train_loss: number; val_loss: number });
      expect(steps.map((s) => s.step)).toEqual(Array.from({ length: r.params.epochs as number }, (_, i) => i + 1));
      expect(steps.at(-1)!.val_loss).toBeLessThan(steps[0]!.val_loss);
      const final = JSON.parse(await fs.readFile(path.join(work, 'metrics.json'), 'utf8')) as { val_loss: number; train_loss: number };
      expect(final.val_loss).toBe(steps.at(-1)!.val_loss);
      const model = JSON.parse(await fs.readFile(path.join(work, 'outputs/model.json'), 'utf8')) as { weights: number[]; params: Record<string, unknown> };
      expect(model.weights).toHaveLength(r.params.features as number);
      expect(model.params).toMatchObject({ lr: r.params.lr, features: r.params.features });
      finals.push({ lr: r.params.lr as number, val: final.val_loss });
    }
    // the sweep is meaningful: the best learning rate clearly beats the worst
    const best = Math.min(...finals.map((f) => f.val));
    const worst = Math.max(...finals.map((f) => f.val));
    expect(worst / best).toBeGreaterThan(10);
  });

  it('without $DAP_METRICS_FILE it appends to ./metrics.jsonl, and argv overrides $DAP_PARAMS_FILE', async () => {
    const work = await fs.mkdtemp(path.join(os.tmpdir(), 'dap-toy-'));
    dirs.push(work);
    await fs.writeFile(path.join(work, 'p.json'), JSON.stringify({ lr: 0.05, epochs: 9, features: 3 }));
    const env = { ...process.env, DAP_PARAMS_FILE: path.join(work, 'p.json') };
    delete env.DAP_METRICS_FILE;
    await run('python3', [path.join(repoRoot, 'experiments/toy_regression/train.py'), '--epochs', '5'], { cwd: work, env });
    const lines = (await fs.readFile(path.join(work, 'metrics.jsonl'), 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    const model = JSON.parse(await fs.readFile(path.join(work, 'outputs/model.json'), 'utf8')) as { weights: number[]; params: { lr: number } };
    expect(model.weights).toHaveLength(3);
    expect(model.params.lr).toBe(0.05);
  });
});
