// A 3-rung successive-halving sweep of the toy regression run the way a user runs it: dap generate,
// commit, `dap run --local` on real gitlab-ci-local (parent → rung-0 child → select-1 → rung-1 child
// → select-2 → rung-2 child → close), every trial tracked into the real MLflow. What the select jobs
// promoted is checked against the runs read back with the MLflow *Python* client — nothing is hard-coded.

import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOp } from '../../src/ops/run-selected.js';
import { generateOp } from '../../src/ops/generate.js';
import { MLFLOW_URI, dap, readBack, repoRoot, requireMlflow, uniqueName, type ReadbackRun } from '../tracking/helpers.js';
import { commitAll, tempRepo } from '../support/temp-repo.js';
import { jobEnv } from './support/example-repo.js';

const JOB_IMAGE = 'registry.example.com/e2e/dap/env-python:latest';
const SPEC = 'experiments/toy-halving.yaml';

function listFiles(dir: string): string[] {
  return fs.readdirSync(path.join(repoRoot, dir), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && !d.name.endsWith('.pyc'))
    .map((d) => path.relative(repoRoot, path.join(d.parentPath, d.name)));
}

/** The shipped halving example, made small (9 → 3 → 1 configurations at 3, 9, 27 epochs) and pointed at a fresh MLflow experiment. */
async function halvingRepo(experiment: string, edit: (doc: ReturnType<typeof parseDocument>) => void = () => {}, extra: Record<string, string> = {}): Promise<string> {
  const files: Record<string, string> = { '.gitignore': '.dap/\n', ...extra };
  for (const rel of [...listFiles('experiments/toy_regression'), ...listFiles('environments/python')]) files[rel] = fs.readFileSync(path.join(repoRoot, rel), 'utf8');
  const doc = parseDocument(fs.readFileSync(path.join(repoRoot, 'experiments/halving/toy-halving.yaml'), 'utf8'));
  doc.setIn(['sweep', 'halving', 'samples'], 9);
  doc.setIn(['sweep', 'halving', 'budget', 'min'], 3);
  doc.setIn(['sweep', 'max_parallel'], 3);
  doc.setIn(['tracking', 'experiment'], experiment);
  edit(doc);
  files[SPEC] = doc.toString();
  const root = await tempRepo(files, 'dap-e2e-halving-');
  await generateOp({ root });
  commitAll(root, 'generate the pipeline');
  return root;
}

const val = (r: ReadbackRun) => Number(r.history.val_loss!.at(-1)![1]);
/** Best ⌊n/3⌋ by the final val_loss as MLflow reports it, ties by run key. */
const top = (runs: ReadbackRun[], n: number) => [...runs].sort((a, b) => val(a) - val(b) || (a.tags['dap.run_key']! < b.tags['dap.run_key']! ? -1 : 1)).slice(0, n);
/** A configuration without its budget. */
const config = (r: ReadbackRun) => JSON.stringify(Object.entries(r.params).filter(([k]) => k !== 'epochs').sort());

describe('dap run --local of a 3-rung halving sweep against the real MLflow', () => {
  let root: string;
  let experiment: string;
  let runs: ReadbackRun[];
  const log: string[] = [];
  const env = () => jobEnv({ MLFLOW_TRACKING_URI: MLFLOW_URI, CI_JOB_IMAGE: JOB_IMAGE });

  beforeAll(async () => {
    await requireMlflow();
    experiment = uniqueName('e2e-halving');
    root = await halvingRepo(experiment);
  }, 60_000);
  afterAll(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('promotes exactly the best third of each rung by val_loss, nests every trial under one parent run, and logs the best configuration there', async () => {
    const res = await runOp({ root, experiments: [], env: env(), onLine: (l) => log.push(l) });
    expect(res.passed, `${res.jobs.filter((j) => j.status !== 'passed').map((j) => j.name).join(', ')}\n${log.slice(-60).join('\n')}`).toBe(true);

    runs = (await readBack(experiment)).runs;
    const parents = runs.filter((r) => r.tags['dap.sweep'] === 'halving');
    expect(parents).toHaveLength(1);
    const parent = parents[0]!;
    const trials = runs.filter((r) => r !== parent);
    const rung = (n: number) => trials.filter((r) => r.tags['dap.rung'] === String(n));
    expect([0, 1, 2].map((n) => rung(n).length)).toEqual([9, 3, 1]);
    expect(trials).toHaveLength(13);
    for (const t of trials) {
      expect(t.status).toBe('FINISHED');
      expect(t.tags['mlflow.parentRunId'], t.run_name).toBe(parent.run_id);
      expect(t.tags['dap.sweep_pipeline_id']).toBe(parent.tags['dap.sweep_pipeline_id']);
    }
    expect([0, 1, 2].map((n) => [...new Set(rung(n).map((r) => r.params.epochs))])).toEqual([['3'], ['9'], ['27']]);

    // promoted = the best ⌊n/eta⌋ of the rung before, by MLflow's own numbers
    expect(rung(1).map(config).sort()).toEqual(top(rung(0), 3).map(config).sort());
    expect(rung(2).map(config)).toEqual(top(rung(1), 1).map(config));

    const best = rung(2)[0]!;
    expect(parent.status).toBe('FINISHED');
    expect(Number(parent.history[`best_val_loss`]![0]![1])).toBeCloseTo(val(best), 10);
    expect(parent.tags['dap.best_run_key']).toBe(best.tags['dap.run_key']);
    for (const [k, v] of Object.entries(best.params)) expect(parent.params[`best.${k}`]).toBe(v);
  }, 600_000);

  it('gives each promoted run the checkpoint of its own configuration from the rung before', () => {
    for (const n of [1, 2]) {
      for (const r of runs.filter((x) => x.tags['dap.rung'] === String(n))) {
        const prev = runs.find((x) => x.tags['dap.rung'] === String(n - 1) && config(x) === config(r))!;
        // the job fetched the previous run's checkpoints/ …
        const fetched = log.find((l) => l.includes(`[${r.tags['dap.run']}]`) && l.includes('dap sweep resume:') && l.includes('file(s) of checkpoints/'));
        expect(fetched, `resume line of ${r.tags['dap.run']}`).toContain(`from run ${prev.run_id} (rung ${n - 1}, ${prev.tags['dap.run_key']})`);
        // … and training continued from its epoch instead of starting over
        const steps = r.history.val_loss!.map(([s]) => s).filter((s) => s > 0);
        expect(Math.min(...steps), r.run_name).toBe(Number(prev.params.epochs) + 1);
        expect(r.artifacts.some((a) => a.path === 'checkpoints/model.json')).toBe(true);
      }
    }
  });

  it('re-running a select job writes a byte-identical child pipeline', async () => {
    const artifact = path.join(root, '.dap/local/gitlab-ci-local/artifacts/toy-halving-select-1/.dap/halving/toy-halving/rung-1.yml');
    const fromPipeline = fs.readFileSync(artifact);
    const sweepId = runs[0]!.tags['dap.sweep_pipeline_id']!;
    const written = path.join(root, '.dap/halving/toy-halving/rung-1.yml');
    for (let i = 0; i < 2; i++) {
      fs.rmSync(written, { force: true });
      const r = await dap(['sweep', 'select', SPEC, '--rung', '1', '--sweep-id', sweepId], { cwd: root, env: { ...env(), MLFLOW_TRACKING_URI: MLFLOW_URI } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/rung 0 \(results from MLflow\): promoting 3 of 9/);
      expect(fs.readFileSync(written).equals(fromPipeline)).toBe(true);
    }
  }, 120_000);

  it('stops the sweep with a clear message when every run of a rung fails', async () => {
    const name = uniqueName('e2e-halving-fail');
    const failRoot = await halvingRepo(name, (doc) => {
      doc.set('command', ['sh', 'experiments/toy_regression/fail.sh', '{{ params.epochs }}']);
      doc.setIn(['sweep', 'halving', 'samples'], 3);
      doc.setIn(['sweep', 'halving', 'budget'], doc.createNode({ param: 'epochs', min: 9, max: 27 }));
    }, { 'experiments/toy_regression/fail.sh': 'echo "refusing to train for $1 epochs" >&2\nexit 3\n' });
    try {
      const lines: string[] = [];
      const res = await runOp({ root: failRoot, experiments: [], env: jobEnv({ MLFLOW_TRACKING_URI: MLFLOW_URI, CI_JOB_IMAGE: JOB_IMAGE }), onLine: (l) => lines.push(l) });
      expect(res.passed).toBe(false);
      const select = res.jobs.find((j) => j.name === 'toy-halving-select-1')!;
      expect(select.status).toBe('failed');
      expect(res.jobs.find((j) => j.name === 'toy-halving-rung-1')?.status ?? 'not run').not.toBe('passed');
      const text = lines.join('\n');
      expect(text).toMatch(/dap: sweep stopped: toy-halving: rung 0 has no run to promote: none of its 3 run\(s\) finished with a val_loss: \d+:\w{8} \(status FAILED\), \d+:\w{8} \(status FAILED\), \d+:\w{8} \(status FAILED\)/);
      const back = (await readBack(name)).runs;
      const parent = back.find((r) => r.tags['dap.sweep'] === 'halving')!;
      expect(parent.status).toBe('FAILED');
      expect(parent.tags['dap.sweep_stopped']).toContain('rung 0 has no run to promote');
    } finally {
      fs.rmSync(failRoot, { recursive: true, force: true });
    }
  }, 300_000);
});
