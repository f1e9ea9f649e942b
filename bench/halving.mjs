// bench/halving: compute and result of successive halving against the full grid at max budget,
// on the toy regression (experiments/toy_regression/train.py), across 5 sampling seeds.
// Not a timed test: it counts budget (epochs summed over all runs) and compares best val_loss.
// Usage: node bench/halving.mjs [seeds=1,2,3,4,5] [samples=27] [space=lr|lr-features]   (build first: npx tsc -p .)
// space lr: the learning rate, loguniform 0.001..1 (features fixed at 4). lr-features adds
// features ∈ {2, 4, 8} — which in train.py changes the data itself, not only the model.
// Each run is a real train.py process; selection is dap's own (selectRung), so what is measured
// is what `dap sweep select` would promote from the same results.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { planHalving, rungRuns, configIndexOf } from '../dist/core/halving/plan.js';
import { selectRung } from '../dist/core/halving/select.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const train = path.join(root, 'experiments', 'toy_regression', 'train.py');
const seeds = (process.argv[2] ?? '1,2,3,4,5').split(',').map(Number);
const samples = Number(process.argv[3] ?? 27);
const spaceName = process.argv[4] ?? 'lr';
const SPACES = {
  lr: { lr: { loguniform: [0.001, 1] } },
  'lr-features': { lr: { loguniform: [0.001, 0.3] }, features: { choice: [2, 4, 8] } },
};
if (!SPACES[spaceName]) throw new Error(`space must be one of ${Object.keys(SPACES).join(', ')}`);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-bench-halving-'));
const GOAL = { compute: 0.35, loss: 1.05 };

/** One real training run; its final val_loss from metrics.json. */
let counter = 0;
async function trainOnce(params) {
  const dir = path.join(work, String(counter++));
  fs.mkdirSync(dir);
  const args = [train, '--lr', String(params.lr), '--epochs', String(params.epochs), '--features', String(params.features), '--seed', String(params.seed)];
  await run('python3', args, { cwd: dir, env: { ...process.env, DAP_METRICS_FILE: path.join(dir, 'm.jsonl'), DAP_RESUME_DIR: '' } });
  const { val_loss } = JSON.parse(fs.readFileSync(path.join(dir, 'metrics.json'), 'utf8'));
  fs.rmSync(dir, { recursive: true, force: true });
  return val_loss;
}

/** Two at a time: the machine is shared. */
async function all(items, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all([0, 1].map(async () => { while (next < items.length) { const i = next++; out[i] = await fn(items[i]); } }));
  return out;
}

const rows = [];
for (const seed of seeds) {
  const sweep = {
    space: SPACES[spaceName],
    samples, seed, budget: { param: 'epochs', min: 1, max: 27 }, eta: 3,
  };
  const spec = { name: 'toy-halving', environment: 'python', command: [], params: { seed: 7, features: 4 }, sweep: { halving: sweep } };
  const plan = planHalving(sweep);
  // halving: rung by rung, promoting with dap's selection
  let runs = rungRuns(spec, plan, 0, 0, plan.brackets[0].configs.map((_, i) => i));
  let halvingCompute = 0;
  let best;
  for (let rung = 0; rung < plan.levels; rung++) {
    const values = await all(runs, (r) => trainOnce(r.params));
    halvingCompute += runs.reduce((n, r) => n + r.params.epochs, 0);
    const byKey = new Map(runs.map((r, i) => [r.key, { status: 'FINISHED', value: values[i] }]));
    const sel = selectRung(runs, (k) => byKey.get(k), { eta: 3, primary: 'val_loss', goal: 'minimize', bracket: 0, rung });
    if (rung === plan.levels - 1) best = sel.ranked[0];
    else runs = rungRuns(spec, plan, 0, rung + 1, sel.promoted.map((p) => configIndexOf(plan, 0, p)));
  }
  // the grid: the same configurations, each at max budget
  const full = rungRuns(spec, plan, 0, 0, plan.brackets[0].configs.map((_, i) => i)).map((r) => ({ ...r, params: { ...r.params, epochs: 27 } }));
  const gridValues = await all(full, (r) => trainOnce(r.params));
  const gridCompute = full.length * 27;
  const gridBest = Math.min(...gridValues);
  const row = { seed, halvingCompute, gridCompute, computeRatio: halvingCompute / gridCompute, halvingBest: best.value, gridBest, lossRatio: best.value / gridBest };
  rows.push(row);
  console.log(`seed ${seed}: halving ${halvingCompute} epochs, best val_loss ${best.value}; grid ${gridCompute} epochs, best ${gridBest}`);
}
fs.rmSync(work, { recursive: true, force: true });

const fmt = (x, d = 4) => Number(x.toPrecision(d)).toString();
console.log(`\nspace ${spaceName}, ${samples} configurations, budget epochs 1..27, eta 3`);
console.log('| seed | halving compute | grid compute | compute ratio | halving best val_loss | grid best val_loss | loss ratio |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.seed} | ${r.halvingCompute} | ${r.gridCompute} | ${fmt(r.computeRatio, 3)}× | ${fmt(r.halvingBest)} | ${fmt(r.gridBest)} | ${fmt(r.lossRatio, 4)}× |`);
const worstCompute = Math.max(...rows.map((r) => r.computeRatio));
const worstLoss = Math.max(...rows.map((r) => r.lossRatio));
console.log(`\nworst compute ratio ${fmt(worstCompute, 3)}× (goal ≤ ${GOAL.compute}×), worst best-val_loss ratio ${fmt(worstLoss, 4)}× (goal ≤ ${GOAL.loss}×): ${worstCompute <= GOAL.compute && worstLoss <= GOAL.loss ? 'goals met' : 'GOALS MISSED'}`);
process.exitCode = worstCompute <= GOAL.compute && worstLoss <= GOAL.loss ? 0 : 1;
