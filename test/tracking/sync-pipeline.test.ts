import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitlab, type FakeGitlab } from '../fakes/gitlab-server.js';
import { DEAD_URI, MLFLOW_URI, TRAIN_PY, dap, readBack, requireMlflow, tmpDir, uniqueName, zipOf } from './helpers.js';

// `dap sync --pipeline`: real @gitbeaker/rest against the fake GitLab API, journals shipped to the real MLflow.

async function jobWorkspace(exp: string, jobName: string, steps: string): Promise<string> {
  const dir = tmpDir('pjob');
  fs.writeFileSync(path.join(dir, 'train.py'), TRAIN_PY);
  const r = await dap(['track', '--experiment', exp, '--artifact', 'out/model.txt', '--', 'python3', 'train.py'], {
    cwd: dir, env: { MLFLOW_TRACKING_URI: DEAD_URI, CI_PIPELINE_ID: '321', CI_JOB_NAME: jobName, STEPS: steps },
  });
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

describe('dap sync --pipeline (fake GitLab, real gitbeaker, real MLflow)', () => {
  let gitlab: FakeGitlab;
  let exp: string;

  beforeAll(async () => {
    await requireMlflow();
    exp = uniqueName('pipeline');
    const a = await jobWorkspace(exp, 'train: [r0]', '4');
    const aRetry = await jobWorkspace(exp, 'train: [r0]', '2'); // retried attempt of the same job
    const b = await jobWorkspace(exp, 'train: [r1]', '3');
    const child = await jobWorkspace(exp, 'child: [r2]', '5');
    gitlab = await startFakeGitlab({
      tokens: ['glpat-good'],
      jobTokens: ['job-token-1'],
      maxPerPage: 2,
      projects: [{
        id: 42, path: 'group/proj',
        pipelines: [
          {
            id: 321,
            jobs: [
              { id: 1001, name: 'train: [r0]', status: 'failed', retried: true, archive: await zipOf(a, ['.dap', 'out']) },
              { id: 1002, name: 'train: [r0]', archive: await zipOf(aRetry, ['.dap', 'out']) },
              { id: 1003, name: 'train: [r1]', archive: await zipOf(b, ['.dap', 'out']) },
              { id: 1004, name: 'lint' },
              { id: 1005, name: 'expired', archive: undefined, status: 'success' },
            ],
            bridges: [{ id: 1006, name: 'run-child', downstream: 322 }],
          },
          { id: 322, jobs: [{ id: 2001, name: 'child: [r2]', archive: await zipOf(child, ['.dap', 'out']) }] },
        ],
      }],
    });
  });
  afterAll(async () => {
    await gitlab?.close();
  });

  it('lists every page of jobs and the child pipeline, downloads the archives, ships each run once', async () => {
    const cwd = tmpDir('sync-pipeline');
    const env = { MLFLOW_TRACKING_URI: MLFLOW_URI, GITLAB_URL: gitlab.url, GITLAB_TOKEN: 'glpat-good' };
    const r = await dap(['sync', '--pipeline', '321', '--project', 'group/proj'], { cwd, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/pipeline 321: 6 job\(s\), 4 with artifacts/);
    expect(r.stdout).toMatch(/shipped 4\/4 journal\(s\)/);
    // pagination followed (per_page capped at 2), retried jobs asked for, bridges followed, only PRIVATE-TOKEN used
    const jobPages = gitlab.requests.filter((q) => q.path.startsWith('/api/v4/projects/group%2Fproj/pipelines/321/jobs'));
    expect(jobPages.length).toBe(3);
    expect(jobPages[0]!.path).toMatch(/include_retried=true/);
    expect(gitlab.requests.some((q) => q.path.includes('/pipelines/321/bridges'))).toBe(true);
    expect(gitlab.requests.some((q) => q.path.includes('/pipelines/322/jobs'))).toBe(true);
    expect(gitlab.requests.every((q) => q.auth === 'private')).toBe(true);

    const back = await readBack(exp);
    expect(back.count).toBe(3); // r0 (two attempts, one run), r1, r2
    const byJob = new Map(back.runs.map((x) => [x.run_name, x]));
    expect(byJob.get('train: [r0]')!.history.loss).toHaveLength(6);
    expect(byJob.get('train: [r1]')!.history.loss).toHaveLength(3);
    expect(byJob.get('child: [r2]')!.history.loss).toHaveLength(5);
    expect(byJob.get('child: [r2]')!.artifacts.map((x) => x.path)).toEqual(['out/model.txt']);

    // once more: nothing new lands
    const again = await dap(['sync', '--pipeline', '321', '--project', 'group/proj'], { cwd, env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/0 metric point\(s\)/);
    const after = await readBack(exp);
    expect(after.count).toBe(3);
    expect(after.runs.map((x) => x.history.loss!.length).sort()).toEqual([3, 5, 6]);
  });

  it('uses CI_JOB_TOKEN inside a job', async () => {
    const r = await dap(['sync', '--pipeline', '322'], {
      cwd: tmpDir('sync-jobtoken'),
      env: { MLFLOW_TRACKING_URI: MLFLOW_URI, CI_SERVER_URL: gitlab.url, CI_JOB_TOKEN: 'job-token-1', CI_PROJECT_ID: '42' },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(gitlab.requests.at(-1)!.auth).toBe('job');
  });

  it('a wrong token: one line saying what to check, exit 3', async () => {
    const r = await dap(['sync', '--pipeline', '321', '--project', '42'], {
      cwd: tmpDir('sync-401'), env: { MLFLOW_TRACKING_URI: MLFLOW_URI, GITLAB_URL: gitlab.url, GITLAB_TOKEN: 'glpat-wrong' },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/GitLab at http:\/\/127\.0\.0\.1:\d+ refused the token while listing the jobs of pipeline 321/);
    expect(r.stderr).toMatch(/hint: check GITLAB_TOKEN/);
    expect(r.stderr).not.toMatch(/glpat-wrong/);
  });

  it('an unknown pipeline: not found, exit 1', async () => {
    const r = await dap(['sync', '--pipeline', '999', '--project', '42'], {
      cwd: tmpDir('sync-404'), env: { MLFLOW_TRACKING_URI: MLFLOW_URI, GITLAB_URL: gitlab.url, GITLAB_TOKEN: 'glpat-good' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not found while listing the jobs of pipeline 999/);
  });
});
