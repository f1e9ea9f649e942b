#!/usr/bin/env node
// Benchmark (not a test): 100 runs × 1000 steps = 100,000 metric points to the same MLflow
// server, sent four ways in one process run, printed as points/s and ratios:
//   ceiling     raw concurrent HTTP log-batch sender (pre-built bodies, no validation) — the server's limit
//   dap         dap's client: runs.logBatch (validation, chunking, retries), same concurrency
//   py-batched  MLflow Python client, MlflowClient.log_batch in 1000-point chunks
//   py-step     MLflow Python client, mlflow.log_metrics once per step (a subset, extrapolated)
// Runs are created before each clock starts. Uses dist/ (run `npx tsc -p .` first).
// Env: MLFLOW_TRACKING_URI (default http://127.0.0.1:55000), BENCH_RUNS, BENCH_STEPS,
//      BENCH_CONCURRENCY (default 4; bench/track.sh sets 8), BENCH_STEP_RUNS/BENCH_STEP_STEPS (per-step subset, default 2×250),
//      BENCH_ROUNDS (default 3).
// The machine is shared, so ceiling, dap and py-batched run interleaved in every round (order
// rotated) and the ratios are medians of the per-round ratios; per-step runs once (it is ~100× off).

import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMlflowClient } from '../dist/adapters/mlflow/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const uri = process.env.MLFLOW_TRACKING_URI ?? 'http://127.0.0.1:55000';
const RUNS = Number(process.env.BENCH_RUNS ?? 100);
const STEPS = Number(process.env.BENCH_STEPS ?? 1000);
const CONC = Number(process.env.BENCH_CONCURRENCY ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const STEP_RUNS = Number(process.env.BENCH_STEP_RUNS ?? 2);
const STEP_STEPS = Number(process.env.BENCH_STEP_STEPS ?? 250);
const python = process.env.DAP_MLFLOW_PYTHON ?? path.join(process.env.DAP_CACHE ?? path.join(os.homedir(), '.cache', 'dap'), 'mlflow-venv', 'bin', 'python');
const T0 = 1_700_000_000_000;

const client = createMlflowClient({ trackingUri: uri, env: process.env });
if (!(await client.health())) {
  console.error(`bench/track: MLflow is not up at ${uri} — run scripts/services.sh up`);
  process.exit(3);
}
const stamp = Date.now().toString(36);
const exp = async (mode) => (await client.experiments.getOrCreate(`bench-track-${stamp}-${mode}`)).experiment_id;
const createRuns = async (experimentId, n) => {
  const ids = [];
  for (let i = 0; i < n; i++) ids.push((await client.runs.create({ experimentId, runName: `r${i}` })).info.run_id);
  return ids;
};
const points = (r) => Array.from({ length: STEPS }, (_, s) => ({ key: 'loss', value: 1 / (s + 1) + r, timestamp: T0 + s, step: s }));

async function pool(items, n, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) { const i = next++; await fn(items[i], i); }
  }));
}

async function ceiling() {
  const ids = await createRuns(await exp('ceiling'), RUNS);
  // Bodies built before the clock: the sender does nothing but HTTP.
  const bodies = ids.map((id, r) => {
    const ms = points(r).map((p) => `{"key":"loss","value":${p.value},"timestamp":${p.timestamp},"step":${p.step}}`);
    const out = [];
    for (let i = 0; i < ms.length; i += 1000) out.push(`{"run_id":"${id}","metrics":[${ms.slice(i, i + 1000).join(',')}]}`);
    return out;
  }).flat();
  const start = performance.now();
  await pool(bodies, CONC, async (body) => {
    const res = await fetch(`${uri}/api/2.0/mlflow/runs/log-batch`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    if (!res.ok) throw new Error(`ceiling: HTTP ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  });
  return { mode: 'ceiling', points: RUNS * STEPS, seconds: (performance.now() - start) / 1000, ids };
}

async function dap() {
  const ids = await createRuns(await exp('dap'), RUNS);
  const start = performance.now();
  // Points are generated inside the clock: dap validates and encodes them on the way out.
  await pool(ids, CONC, (id, r) => client.runs.logBatch(id, { metrics: points(r) }));
  return { mode: 'dap', points: RUNS * STEPS, seconds: (performance.now() - start) / 1000, ids };
}

function py(mode, runs, steps) {
  return async () => {
    const id = await exp(`py-${mode}`);
    const r = spawnSync(python, [path.join(here, 'track_peer.py'), mode, id, String(runs), String(steps)], {
      env: { ...process.env, MLFLOW_TRACKING_URI: uri }, encoding: 'utf8', maxBuffer: 64 << 20,
    });
    if (r.status !== 0) throw new Error(`python peer ${mode} failed: ${r.stderr.slice(-2000)}`);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1));
    return { mode: mode === 'batched' ? 'py-batched' : 'py-step', points: out.points, seconds: out.seconds, ids: out.runIds, extrapolated: mode === 'per-step' };
  };
}

async function verify(result, expectedPerRun) {
  for (const id of [result.ids[0], result.ids.at(-1)]) {
    const n = (await client.metrics.history(id, 'loss')).length;
    if (n !== expectedPerRun) throw new Error(`${result.mode}: run ${id} has ${n} points, expected ${expectedPerRun}`);
  }
}

const results = [];
const runMode = async (fn, perRun) => {
  const r = await fn();
  await verify(r, perRun);
  r.rate = r.points / r.seconds;
  results.push(r);
  console.log(`${r.mode.padEnd(11)} ${String(r.points).padStart(7)} points in ${r.seconds.toFixed(2).padStart(7)} s = ${Math.round(r.rate).toString().padStart(7)} points/s${r.extrapolated ? ' (subset, rate extrapolates)' : ''}`);
  return r;
};

console.log(`bench/track: ${RUNS} runs × ${STEPS} steps against ${process.env.BENCH_SERVER ?? uri}, concurrency ${CONC}, ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}`);
const rounds = [];
for (let round = 0; round < ROUNDS; round++) {
  const modes = [[ceiling, 'ceiling'], [dap, 'dap'], [py('batched', RUNS, STEPS), 'py-batched']];
  const order = [...modes.slice(round % 3), ...modes.slice(0, round % 3)];
  const rates = {};
  for (const [fn, name] of order) rates[name] = (await runMode(fn, STEPS)).rate;
  rounds.push(rates);
}
const step = await runMode(py('per-step', STEP_RUNS, STEP_STEPS), STEP_STEPS);

const median = (xs) => { const v = [...xs].sort((a, b) => a - b); return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2; };
const med = (name) => median(rounds.map((r) => r[name]));
const ratio = (a, b) => median(rounds.map((r) => r[a] / r[b]));
const summary = {
  ceiling: med('ceiling'), dap: med('dap'), pyBatched: med('py-batched'), pyStep: step.rate,
  dapOverCeiling: ratio('dap', 'ceiling'), dapOverPyBatched: ratio('dap', 'py-batched'), pyBatchedOverCeiling: ratio('py-batched', 'ceiling'),
};
const f = (x) => x.toFixed(2);
console.log('');
console.log(`median points/s over ${ROUNDS} rounds: ceiling ${Math.round(summary.ceiling)}, dap ${Math.round(summary.dap)}, py-batched ${Math.round(summary.pyBatched)}, py-step ${Math.round(summary.pyStep)}`);
console.log(`dap / ceiling          = ${f(summary.dapOverCeiling)}  (goal ≥ 0.9)   per round: ${rounds.map((r) => f(r.dap / r.ceiling)).join(' ')}`);
console.log(`dap / py-batched       = ${f(summary.dapOverPyBatched)}  (goal ≥ 2)     per round: ${rounds.map((r) => f(r.dap / r['py-batched'])).join(' ')}`);
console.log(`py-batched / ceiling   = ${f(summary.pyBatchedOverCeiling)}`);
console.log(`dap / py-step          = ${(summary.dap / summary.pyStep).toFixed(0)}`);
if (process.env.BENCH_JSON) console.log(JSON.stringify({ runs: RUNS, steps: STEPS, concurrency: CONC, load: os.loadavg(), results: results.map(({ ids, ...r }) => r), summary }));
