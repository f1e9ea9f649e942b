import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEAD_URI, MLFLOW_URI, TRAIN_PY, dap, dapSpawn, minioKeys, readBack, requireMlflow, tmpDir, uniqueName } from './helpers.js';

// `dap track` against the real MLflow server (Postgres + MinIO) of scripts/services.sh,
// read back with the MLflow Python client.

function jobDir(): string {
  const dir = tmpDir('track');
  fs.writeFileSync(path.join(dir, 'train.py'), TRAIN_PY);
  fs.writeFileSync(path.join(dir, 'params.json'), JSON.stringify({ lr: 0.1, layers: 3, optimizer: 'adam' }));
  return dir;
}

function ciEnv(experiment: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    MLFLOW_TRACKING_URI: MLFLOW_URI,
    DAP_EXPERIMENT: experiment,
    DAP_RUN: 'r0-abcdef12',
    DAP_RUN_KEY: 'abcdef1234567890',
    DAP_RUN_INDEX: '0',
    DAP_PARAMS_FILE: 'params.json',
    DAP_SPEC_FILE: 'experiments/demo.yaml',
    DAP_SPEC_HASH: 'f00d',
    DAP_ARTIFACTS: 'out\nmissing-file.bin',
    DAP_METRIC_FILES: JSON.stringify(['metrics.json', 'history.csv']),
    DAP_IMAGE_DIGEST: 'sha256:1234',
    CI_COMMIT_SHA: '0123456789abcdef0123456789abcdef01234567',
    CI_COMMIT_REF_NAME: 'feature/x',
    CI_COMMIT_BRANCH: 'feature/x',
    CI_PIPELINE_ID: '4711',
    CI_PIPELINE_URL: 'https://gitlab.example.com/g/p/-/pipelines/4711',
    CI_JOB_ID: '9001',
    CI_JOB_NAME: 'demo: [r0-abcdef12]',
    CI_JOB_URL: 'https://gitlab.example.com/g/p/-/jobs/9001',
    CI_MERGE_REQUEST_IID: '12',
    CI_RUNNER_DESCRIPTION: 'runner-1',
    CI_RUNNER_ID: '77',
    CI_JOB_IMAGE: 'registry.example.com/env:abc',
    CI_PROJECT_URL: 'https://gitlab.example.com/g/p',
    GITLAB_CI: 'true',
    ...extra,
  };
}

describe('dap track against the real MLflow', () => {
  beforeAll(async () => {
    await requireMlflow();
  });

  it('logs params, lineage tags, streamed and end-of-run metrics, artifacts and FINISHED', async () => {
    const exp = uniqueName('track-e2e');
    const dir = jobDir();
    const r = await dap(['track', '--', 'python3', 'train.py'], { cwd: dir, env: { ...ciEnv(exp), BAD: '1' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/skipped 1 malformed line\(s\), 1 illegal key\(s\), 1 non-numeric value\(s\)/);
    expect(r.stderr).toMatch(/declared artifact missing-file.bin matched nothing/);

    const back = await readBack(exp);
    expect(back.count).toBe(1);
    const run = back.runs[0]!;
    expect(run.status).toBe('FINISHED');
    expect(run.end_time).toBeGreaterThan(run.start_time);
    expect(run.params).toEqual({ lr: '0.1', layers: '3', optimizer: 'adam' });
    expect(run.tags).toMatchObject({
      'mlflow.source.git.commit': '0123456789abcdef0123456789abcdef01234567',
      'mlflow.source.git.branch': 'feature/x',
      'mlflow.source.git.repoURL': 'https://gitlab.example.com/g/p',
      'dap.pipeline_id': '4711', 'dap.pipeline_url': 'https://gitlab.example.com/g/p/-/pipelines/4711',
      'dap.job_id': '9001', 'dap.job_url': 'https://gitlab.example.com/g/p/-/jobs/9001',
      'dap.mr_iid': '12', 'dap.runner': 'runner-1', 'dap.image': 'registry.example.com/env:abc', 'dap.image_digest': 'sha256:1234',
      'dap.spec_file': 'experiments/demo.yaml', 'dap.spec_hash': 'f00d', 'dap.run_key': 'abcdef1234567890',
      'dap.identity': 'abcdef1234567890|pipeline:4711|job:demo: [r0-abcdef12]#9001',
      'dap.attempt_of': 'abcdef1234567890|pipeline:4711|job:demo: [r0-abcdef12]',
      'dap.source': 'gitlab',
      'mlflow.runName': 'demo: [r0-abcdef12]',
    });
    expect(run.history.loss!.map(([s, v]) => [s, v])).toEqual([[0, 1], [1, 0.5], [2, 1 / 3], [3, 0.25], [4, 0.2]]);
    expect(run.history.lr_now!.map(([s]) => s)).toEqual([0, 1, 2, 3, 4]);
    expect(run.history.final_acc!.map(([s, v]) => [s, v])).toEqual([[0, 0.93]]);
    expect(run.history.curve!.map(([s, v]) => [s, v])).toEqual([[0, 0.5], [1, 0.6], [2, 0.7]]);
    expect(run.history.val_loss!.map(([s, v]) => [s, v])).toEqual([[0, 0.9], [1, 0.7], [2, 0.6]]);
    expect(run.history.val_acc!.map(([s, v]) => [s, v])).toEqual([[0, 0.5], [1, 0.6]]);
    expect(run.history.nan_metric!.map(([, v]) => v)).toEqual(['nan']);
    expect(run.history.inf_metric!.map(([, v]) => v)).toEqual([1.7976931348623157e308]);
    expect(run.history['bad key!']).toBeUndefined();
    expect(run.history.text).toBeUndefined();
    expect(run.artifacts.map((a) => a.path).sort()).toEqual(['out/model.txt', 'out/sub/extra.txt']);
    // dap runs --mlflow shows the same run from the server
    const listed = await dap(['runs', '--mlflow', '--experiment', exp, '--json'], { cwd: dir, env: { MLFLOW_TRACKING_URI: MLFLOW_URI } });
    expect(listed.code, listed.stderr).toBe(0);
    const rows = JSON.parse(listed.stdout) as Array<{ runKey: string; status: string; params: Record<string, string>; metrics: Record<string, { last: number; best: number; points: number }> }>;
    expect(rows).toHaveLength(1);
    expect(rows[0]!).toMatchObject({ runKey: 'abcdef1234567890', status: 'FINISHED', params: { lr: '0.1', layers: '3', optimizer: 'adam' } });
    expect(rows[0]!.metrics.loss).toMatchObject({ last: 0.2, best: 0.2, points: 5 });
    expect(rows[0]!.metrics.acc).toMatchObject({ last: 0.4, best: 0.4 });
    if (!process.env.DAP_TEST_MLFLOW_URI) {
      // the services' MLflow proxies artifacts to MinIO: the bytes are there
      expect(await minioKeys(`${run.experiment_id}/${run.run_id}/artifacts/`)).toEqual([
        `${run.experiment_id}/${run.run_id}/artifacts/out/model.txt`, `${run.experiment_id}/${run.run_id}/artifacts/out/sub/extra.txt`,
      ]);
    }
  });

  it('exports MLFLOW_TRACKING_URI and MLFLOW_RUN_ID so the user\'s own mlflow calls land in the same run', async () => {
    const exp = uniqueName('track-own');
    const dir = jobDir();
    fs.writeFileSync(path.join(dir, 'own.py'), [
      'import mlflow',
      'with mlflow.start_run():',
      '    mlflow.log_metric("own_metric", 42.0, step=7)',
      '    mlflow.set_tag("own_tag", "yes")',
    ].join('\n'));
    const python = (await import('./helpers.js')).PYTHON;
    const r = await dap(['track', '--experiment', exp, '--', python, 'own.py'], { cwd: dir, env: { MLFLOW_TRACKING_URI: MLFLOW_URI } });
    expect(r.code, r.stderr).toBe(0);
    const back = await readBack(exp);
    expect(back.count).toBe(1);
    expect(back.runs[0]!.history.own_metric!.map(([s, v]) => [s, v])).toEqual([[7, 42]]);
    expect(back.runs[0]!.tags.own_tag).toBe('yes');
    expect(back.runs[0]!.status).toBe('FINISHED');
  });

  it('a failing command: status FAILED, dap exits with its exit code', async () => {
    const exp = uniqueName('track-fail');
    const r = await dap(['track', '--', 'python3', 'train.py'], { cwd: jobDir(), env: { ...ciEnv(exp), EXIT: '3' } });
    expect(r.code).toBe(3);
    const back = await readBack(exp);
    expect(back.runs.map((x) => x.status)).toEqual(['FAILED']);
  });

  it('a signal: forwarded to the command, status KILLED, exit 128+n', async () => {
    const exp = uniqueName('track-kill');
    const dir = jobDir();
    const { child, done } = dapSpawn(['track', '--', 'python3', 'train.py'], { cwd: dir, env: { ...ciEnv(exp), HANG: '1' } });
    // metrics stream while the command runs: they reach MLflow before it ends
    const t0 = Date.now();
    let live: Awaited<ReturnType<typeof readBack>> | undefined;
    while (Date.now() - t0 < 40_000) {
      live = await readBack(exp);
      if ((live.runs[0]?.history.loss?.length ?? 0) === 5) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(live!.runs[0]!.status).toBe('RUNNING');
    expect(live!.runs[0]!.history.loss).toHaveLength(5);
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code, r.stderr).toBe(143);
    const back = await readBack(exp);
    expect(back.count).toBe(1);
    expect(back.runs[0]!.status).toBe('KILLED');
    expect(back.runs[0]!.history.loss).toHaveLength(5);
  });

  it('a retried job (new job id, same pipeline and job name) gets a run of its own, linked to the first attempt', async () => {
    const exp = uniqueName('track-retry');
    const first = await dap(['track', '--', 'python3', 'train.py'], { cwd: jobDir(), env: { ...ciEnv(exp), EXIT: '1' } });
    expect(first.code).toBe(1);
    const retryDir = jobDir();
    const retryEnv = { ...ciEnv(exp, { CI_JOB_ID: '9002', CI_JOB_URL: 'https://gitlab.example.com/g/p/-/jobs/9002' }), STEPS: '3' };
    const retry = await dap(['track', '--', 'python3', 'train.py'], { cwd: retryDir, env: retryEnv });
    expect(retry.code, retry.stderr).toBe(0);
    const back = await readBack(exp);
    expect(back.count).toBe(2);
    const byJob = new Map(back.runs.map((r) => [r.tags['dap.job_id'], r]));
    const [a1, a2] = [byJob.get('9001')!, byJob.get('9002')!];
    expect([a1.status, a2.status]).toEqual(['FAILED', 'FINISHED']);
    // one execution per run: 5 points in the first attempt, 3 in the retry, no repeated steps
    expect(a1.history.loss!.map(([s]) => s)).toEqual([0, 1, 2, 3, 4]);
    expect(a2.history.loss!.map(([s]) => s)).toEqual([0, 1, 2]);
    expect(a2.tags['dap.attempt_of']).toBe(a1.tags['dap.attempt_of']);

    // dap runs --mlflow shows the latest attempt only
    const listed = await dap(['runs', '--mlflow', '--experiment', exp, '--json'], { cwd: retryDir, env: { MLFLOW_TRACKING_URI: MLFLOW_URI } });
    expect(listed.code, listed.stderr).toBe(0);
    const rows = JSON.parse(listed.stdout) as Array<{ status: string; attempts?: number; identity: string }>;
    expect(rows.map((r) => [r.identity, r.status, r.attempts])).toEqual([[a2.tags['dap.identity'], 'FINISHED', 2]]);

    // shipping the retry's journal again changes nothing
    const again = await dap(['sync', '.dap/journal'], { cwd: retryDir, env: { MLFLOW_TRACKING_URI: MLFLOW_URI } });
    expect(again.code, again.stderr).toBe(0);
    const after = await readBack(exp);
    expect(after.count).toBe(2);
    expect(after.runs.find((r) => r.tags['dap.job_id'] === '9002')!.history.loss).toHaveLength(3);

    // a different pipeline is a different run
    const other = await dap(['track', '--', 'python3', 'train.py'], { cwd: jobDir(), env: { ...ciEnv(exp, { CI_PIPELINE_ID: '4712' }), STEPS: '1' } });
    expect(other.code).toBe(0);
    expect((await readBack(exp)).count).toBe(3);
  });

  it('over-long params: a clear error before the command runs', async () => {
    const dir = jobDir();
    fs.writeFileSync(path.join(dir, 'params.json'), JSON.stringify({ notes: 'x'.repeat(6001) }));
    const r = await dap(['track', '--', 'python3', 'train.py'], { cwd: dir, env: ciEnv(uniqueName('track-long')) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/param "notes" is 6001 characters long; MLflow accepts at most 6000/);
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
  });

  it('MLflow down: the job succeeds, the journal is kept; --require-tracking makes it fail', async () => {
    const exp = uniqueName('track-down');
    const dir = jobDir();
    const r = await dap(['track', '--', 'python3', 'train.py'], { cwd: dir, env: { ...ciEnv(exp), MLFLOW_TRACKING_URI: DEAD_URI } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/MLflow at http:\/\/127\.0\.0\.1:55099 is unreachable/);
    expect(r.stderr).toMatch(/ship it later with `dap sync/);
    expect(fs.readdirSync(path.join(dir, '.dap/journal')).filter((f) => f.endsWith('.jsonl'))).toHaveLength(1);

    const strictDir = jobDir();
    const strict = await dap(['track', '--require-tracking', '--', 'python3', 'train.py'], { cwd: strictDir, env: { ...ciEnv(exp), MLFLOW_TRACKING_URI: DEAD_URI } });
    expect(strict.code).toBe(3);
    expect(strict.stderr).toMatch(/tracking is required/);
    expect(fs.existsSync(path.join(strictDir, 'out'))).toBe(false); // the command did not run
    expect(fs.readdirSync(path.join(strictDir, '.dap/journal')).filter((f) => f.endsWith('.jsonl'))).toEqual([]);
  });

  it('the server drops exact duplicate points (what "nothing duplicated" rests on), not points that differ', async () => {
    const { createMlflowClient } = await import('../../src/adapters/mlflow/index.js');
    const client = createMlflowClient({ trackingUri: MLFLOW_URI });
    const experiment = await client.experiments.getOrCreate(uniqueName('dedup'));
    const run = await client.runs.create({ experimentId: experiment.experiment_id });
    const id = run.info.run_id;
    const points = [{ key: 'm', value: 1.5, timestamp: 1_700_000_000_000, step: 0 }, { key: 'm', value: NaN, timestamp: 1_700_000_000_001, step: 1 }];
    await client.runs.logBatch(id, { metrics: points });
    await client.runs.logBatch(id, { metrics: [...points, ...points] });
    await client.runs.logBatch(id, { metrics: [{ key: 'm', value: 1.5, timestamp: 1_700_000_000_002, step: 0 }] });
    const history = await readBack(experiment.name);
    const m = history.runs.find((r) => r.run_id === id)!.history.m!;
    expect(m.map(([s, v, ts]) => [s, v, ts]).sort((a, b) => Number(a[2]) - Number(b[2]))).toEqual([[0, 1.5, 1_700_000_000_000], [1, 'nan', 1_700_000_000_001], [0, 1.5, 1_700_000_000_002]]);
  });
});
