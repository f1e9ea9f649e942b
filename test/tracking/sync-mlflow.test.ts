import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEAD_URI, MLFLOW_URI, TRAIN_PY, dap, dapSpawn, readBack, requireMlflow, tmpDir, uniqueName } from './helpers.js';
import { loadSpecs } from '../../src/ops/load-specs.js';
import { planExperiment } from '../../src/core/plan/index.js';
import { runId } from '../../src/core/pipeline/prelude.js';

// Journals that missed MLflow reach it later, exactly once, whoever ships them and how often.

/** Runs a job with MLflow down, so everything stays in its journal. */
async function journaledRun(exp: string, extra: Record<string, string> = {}): Promise<string> {
  const dir = tmpDir('sync');
  fs.writeFileSync(path.join(dir, 'train.py'), TRAIN_PY);
  fs.writeFileSync(path.join(dir, 'params.json'), JSON.stringify({ lr: 0.5 }));
  const r = await dap(['track', '--experiment', exp, '--params-file', 'params.json', '--metric-file', 'metrics.json', '--artifact', 'out', '--', 'python3', 'train.py'], {
    cwd: dir, env: { MLFLOW_TRACKING_URI: DEAD_URI, CI_PIPELINE_ID: '77', CI_JOB_NAME: 'train', ...extra },
  });
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

function pointCount(run: { history: Record<string, unknown[]> }): number {
  return Object.values(run.history).reduce((n, h) => n + h.length, 0);
}

describe('dap sync against the real MLflow', () => {
  beforeAll(async () => {
    await requireMlflow();
  });

  it('ships a journal exactly once, however often it is shipped (cursor, and without it)', async () => {
    const exp = uniqueName('sync-once');
    const dir = await journaledRun(exp, { STEPS: '20' });
    const env = { MLFLOW_TRACKING_URI: MLFLOW_URI };
    const first = await dap(['sync'], { cwd: dir, env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/shipped 1\/1 journal\(s\), 64 metric point\(s\)/);
    const back = await readBack(exp);
    expect(back.count).toBe(1);
    const run = back.runs[0]!;
    expect(run.status).toBe('FINISHED');
    expect(run.params).toEqual({ lr: '0.5' });
    expect(run.history.loss).toHaveLength(20);
    expect(pointCount(run)).toBe(64);
    expect(run.artifacts.map((a) => a.path).sort()).toEqual(['out/model.txt', 'out/sub/extra.txt']);

    // again: the cursor says nothing is left
    const again = await dap(['sync', '.dap/journal'], { cwd: dir, env });
    expect(again.stdout).toMatch(/0 metric point\(s\)/);
    // the cursor lost (a crash between send and cursor write): everything is re-sent, nothing duplicated
    for (const f of fs.readdirSync(path.join(dir, '.dap/journal'))) if (f.endsWith('.cursor.json')) fs.rmSync(path.join(dir, '.dap/journal', f));
    const resent = await dap(['sync'], { cwd: dir, env });
    expect(resent.stdout).toMatch(/64 metric point\(s\)/);
    const after = await readBack(exp);
    expect(after.count).toBe(1);
    expect(pointCount(after.runs[0]!)).toBe(64);
    expect(after.runs[0]!.history.loss).toEqual(run.history.loss);
  });

  it('two concurrent dap sync on the same journal, and on two copies of it: no duplicate run or point', async () => {
    const exp = uniqueName('sync-race');
    const dir = await journaledRun(exp, { STEPS: '1500', SLEEP: '0' });
    const copy = tmpDir('sync-copy');
    // a copy as job artifacts travel: the journal with the files it names (a journal never reaches out of its own tree)
    for (const d of ['.dap', 'out']) fs.cpSync(path.join(dir, d), path.join(copy, d), { recursive: true });
    const env = { MLFLOW_TRACKING_URI: MLFLOW_URI };
    const runs = [dapSpawn(['sync'], { cwd: dir, env }), dapSpawn(['sync'], { cwd: dir, env }), dapSpawn(['sync'], { cwd: copy, env })];
    const results = await Promise.all(runs.map((r) => r.done));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    // on the same journal one of the two found it busy or had nothing left
    const back = await readBack(exp);
    expect(back.count).toBe(1);
    const run = back.runs[0]!;
    expect(run.history.loss).toHaveLength(1500);
    expect(run.history.acc).toHaveLength(1500);
    expect(run.history.lr_now).toHaveLength(1500);
    expect(pointCount(run)).toBe(4504);
    expect(new Set(run.history.loss!.map(([s]) => s)).size).toBe(1500);
  });

  it('MLflow still down: dap sync says what to check and exits 3, the journal stays', async () => {
    const exp = uniqueName('sync-down');
    const dir = await journaledRun(exp);
    const r = await dap(['sync'], { cwd: dir, env: { MLFLOW_TRACKING_URI: DEAD_URI, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/dap: MLflow at http:\/\/127\.0\.0\.1:55099 is unreachable/);
    expect(r.stderr).toMatch(/hint: /);
    expect(fs.readdirSync(path.join(dir, '.dap/journal')).some((f) => f.endsWith('.jsonl'))).toBe(true);
  });

  it('--from-artifacts: bare runs of a foreign image become runs keyed on the plan, once', async () => {
    const exp = uniqueName('foreign');
    const project = tmpDir('foreign');
    fs.mkdirSync(path.join(project, 'experiments'));
    fs.writeFileSync(path.join(project, 'experiments', 'f.yaml'), [
      `name: ${exp}`, 'image: python:3.11', 'command: ["python3", "train.py"]', 'params: {epochs: 2}',
      'sweep: {grid: {lr: [0.1, 0.2]}}', 'metrics: {primary: loss, goal: minimize}', '',
    ].join('\n'));
    const [loaded] = await loadSpecs(project);
    const plan = planExperiment(loaded!);
    for (const r of plan.runs) {
      const id = runId(r);
      fs.mkdirSync(path.join(project, '.dap/params'), { recursive: true });
      fs.mkdirSync(path.join(project, '.dap/metrics'), { recursive: true });
      fs.mkdirSync(path.join(project, '.dap/status'), { recursive: true });
      fs.writeFileSync(path.join(project, '.dap/params', `${id}.json`), JSON.stringify(r.params));
      fs.writeFileSync(path.join(project, '.dap/metrics', `${id}.jsonl`), [0, 1, 2].map((s) => JSON.stringify({ step: s, loss: Number(r.params.lr) / (s + 1) })).join('\n') + '\nnot json\n');
      fs.writeFileSync(path.join(project, '.dap/status', id), r.index === 0 ? '0\n' : '1\n');
    }
    // a tracked job's journal in the same artifacts, with a lock its (dead) job on another runner left behind
    const tracked = await journaledRun(exp, { STEPS: '2' });
    fs.cpSync(path.join(tracked, '.dap/journal'), path.join(project, '.dap/journal'), { recursive: true });
    const jfile = fs.readdirSync(path.join(project, '.dap/journal')).find((f) => f.endsWith('.jsonl'))!;
    fs.writeFileSync(path.join(project, '.dap/journal', jfile.replace('.jsonl', '.lock')), JSON.stringify({ host: 'runner-elsewhere', pid: 1, time: Date.now() }));
    const fresh = tmpDir('foreign-retry');
    fs.cpSync(project, fresh, { recursive: true });
    const env = { MLFLOW_TRACKING_URI: MLFLOW_URI, CI_PIPELINE_ID: '555', CI_PIPELINE_CREATED_AT: '2026-01-02T03:04:05Z', CI_COMMIT_SHA: 'abc123' };
    const r = await dap(['sync', '--from-artifacts', '.dap'], { cwd: project, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/not a JSON object: not json/);
    // a retried sync job: a fresh workspace with the same artifacts, same pipeline
    const r2 = await dap(['sync', '--from-artifacts', '.dap'], { cwd: fresh, env });
    expect(r2.code, r2.stderr).toBe(0);
    const back = await readBack(exp);
    expect(back.count).toBe(3);
    expect(back.runs.filter((x) => x.tags['dap.tracked_by'] === undefined).map((x) => x.history.loss!.length)).toEqual([2]);
    const byIndex = new Map(back.runs.map((x) => [x.tags['dap.run_index'], x]));
    expect(byIndex.get('0')!.status).toBe('FINISHED');
    expect(byIndex.get('1')!.status).toBe('FAILED');
    expect(byIndex.get('1')!.params).toEqual({ epochs: '2', lr: '0.2' });
    expect(byIndex.get('1')!.tags['dap.run_key']).toBe(plan.runs[1]!.key);
    expect(byIndex.get('1')!.tags['mlflow.source.git.commit']).toBe('abc123');
    expect(byIndex.get('1')!.history.loss!.map(([s, v]) => [s, v])).toEqual([[0, 0.2], [1, 0.1], [2, 0.2 / 3]]);
  });
});
