import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jobContext } from '../../src/tracking/job-context.js';
import { importForeignRuns } from '../../src/tracking/foreign-runs.js';
import { readWholeJournal } from '../../src/tracking/journal.js';
import { loadSpecs } from '../../src/ops/load-specs.js';
import { planExperiment } from '../../src/core/plan/index.js';
import { runId } from '../../src/core/pipeline/prelude.js';

// A run of a foreign image (imported by `dap sync`) and a tracked run (`dap track`) of the same
// pipeline carry the same lineage: same commit, branch, project, pipeline, user.

const made: string[] = [];
afterAll(() => { for (const d of made) fs.rmSync(d, { recursive: true, force: true }); });

const repoSpec = path.resolve(import.meta.dirname, '../../experiments/toy-regression.yaml');

const PIPELINE_TAGS = ['dap.source', 'mlflow.source.type', 'mlflow.source.git.commit', 'mlflow.source.git.branch', 'mlflow.source.git.repoURL', 'mlflow.user',
  'dap.git.ref', 'dap.git.tag', 'dap.project', 'dap.pipeline_id', 'dap.pipeline_url', 'dap.mr_iid', 'dap.git.dirty'];

async function bothPaths(ci: NodeJS.ProcessEnv): Promise<{ tracked: Record<string, string>; foreign: Record<string, string> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-t7b-lineage-'));
  made.push(dir);
  fs.mkdirSync(path.join(dir, 'experiments'));
  fs.copyFileSync(repoSpec, path.join(dir, 'experiments/toy-regression.yaml'));
  const load = (root: string) => loadSpecs(root, undefined, { environments: ['python'] });
  const [loaded] = await load(dir);
  const run = runId(planExperiment(loaded!).runs[0]!);
  const artifacts = path.join(dir, 'artifacts');
  fs.mkdirSync(path.join(artifacts, 'job/.dap/metrics'), { recursive: true });
  fs.writeFileSync(path.join(artifacts, 'job/.dap/metrics', `${run}.jsonl`), '{"loss": 1}\n');
  const [journal] = await importForeignRuns(artifacts, { env: ci, cwd: dir, say: () => {}, loadSpecs: load });
  const tagsEvent = readWholeJournal(journal!).entries.map((e) => e.event).find((e) => e.t === 'tags') as { tags: Record<string, string> };
  const tracked = jobContext({ ...ci, DAP_EXPERIMENT: loaded!.spec.name }, {}, dir, ['python3', 'train.py']).tags;
  return { tracked, foreign: tagsEvent.tags };
}

const pick = (tags: Record<string, string>) => Object.fromEntries(PIPELINE_TAGS.filter((k) => k in tags).map((k) => [k, tags[k]]));

describe('lineage tags: tracked and foreign runs agree', () => {
  it('a branch pipeline on GitLab (CI_COMMIT_BRANCH wins over CI_COMMIT_REF_NAME)', async () => {
    const { tracked, foreign } = await bothPaths({
      GITLAB_CI: 'true', CI_PIPELINE_ID: '4711', CI_PIPELINE_URL: 'https://gitlab.example/g/p/-/pipelines/4711', CI_COMMIT_SHA: 'c0ffee',
      CI_COMMIT_BRANCH: 'feature/x', CI_COMMIT_REF_NAME: 'refs/merge-requests/7/head', CI_MERGE_REQUEST_IID: '7', CI_PROJECT_URL: 'https://gitlab.example/g/p',
      CI_PROJECT_PATH: 'g/p', GITLAB_USER_LOGIN: 'ada', CI_JOB_ID: '99', CI_JOB_NAME: 'sync', CI_RUNNER_ID: '3',
    });
    expect(pick(foreign)).toEqual(pick(tracked));
    expect(foreign['mlflow.source.git.branch']).toBe('feature/x');
    expect(foreign['dap.project']).toBe('g/p');
    // the sync job's own job and runner are not the foreign run's
    expect(foreign['dap.job_id']).toBeUndefined();
    expect(foreign['dap.runner_id']).toBeUndefined();
  });

  it('a tag pipeline: no branch, the tag', async () => {
    const { tracked, foreign } = await bothPaths({ GITLAB_CI: 'true', CI_PIPELINE_ID: '12', CI_COMMIT_SHA: 'abc', CI_COMMIT_TAG: 'v1', CI_COMMIT_REF_NAME: 'v1' });
    expect(pick(foreign)).toEqual(pick(tracked));
    expect(foreign['mlflow.source.git.branch']).toBeUndefined();
    expect(foreign['dap.git.tag']).toBe('v1');
  });

  it('dap run --local: the local lineage, none of gitlab-ci-local\'s made-up values', async () => {
    const { tracked, foreign } = await bothPaths({ DAP_SOURCE: 'local', DAP_LOCAL_PIPELINE_ID: '20261201T1200Z-ab', DAP_GIT_COMMIT: 'c0ffee', DAP_GIT_BRANCH: 'main',
      DAP_USER: 'Ada', CI_PIPELINE_ID: '1', CI_PROJECT_PATH: 'fallback.group/fallback.project' });
    expect(pick(foreign)).toEqual(pick(tracked));
    expect(foreign['mlflow.source.type']).toBe('LOCAL');
    expect(foreign['dap.project']).toBeUndefined();
  });
});
