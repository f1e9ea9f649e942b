// The small rules behind a local run, one by one: identity and lineage of a local run against one
// on GitLab, the local pipeline id, credentials kept out of recorded remotes, the git noise filter,
// job-time formatting, the project root from a subdirectory, and the retry grouping `dap runs` shows.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobContext } from '../../src/tracking/job-context.js';
import { localPipelineId } from '../../src/core/local-run/pipeline-id.js';
import { withoutCredentials } from '../../src/adapters/git/worktree.js';
import { isGitFallbackNoise } from '../../src/adapters/gitlab-ci-local/runner.js';
import { formatDuration } from '../../src/cli/format/duration.js';
import { findProjectRoot } from '../../src/paths.js';
import { latestAttempts, type RunSummary } from '../../src/tracking/run-summary.js';
import { formatList } from '../../src/ops/env/ls.js';
import { environmentSources } from '../../src/ops/load-specs.js';

const job = { DAP_EXPERIMENT: 'exp', DAP_RUN_KEY: 'abcdef1234567890', DAP_PARAMS_FILE: '', CI_JOB_NAME: 'exp: [r0-abcdef12]' };
// what gitlab-ci-local sets in every local job, made up
const gclFakes = { CI_PIPELINE_ID: '1001', CI_JOB_ID: '1002', CI_PROJECT_PATH: 'fallback.group/fallback.project', CI_PIPELINE_URL: 'https://gitlab.com/fallback.group/fallback.project/pipelines/4', GITLAB_USER_LOGIN: 'maintainers', CI_COMMIT_SHA: '0000000000000000000000000000000000000000' };

describe('run identity and lineage', () => {
  it('a local run: its own pipeline id, the true lineage, none of the made-up GitLab values', () => {
    const ctx = jobContext({ ...job, ...gclFakes, DAP_SOURCE: 'local', DAP_LOCAL_PIPELINE_ID: '20261201T122635Z-6a8260', DAP_GIT_COMMIT: 'c0ffee', DAP_GIT_BRANCH: 'main', DAP_USER: 'Ada' }, {}, os.tmpdir(), ['python3', 'train.py']);
    expect(ctx.identity).toBe('abcdef1234567890|local:20261201T122635Z-6a8260|job:exp: [r0-abcdef12]');
    expect(ctx.tags).toMatchObject({ 'dap.source': 'local', 'dap.pipeline_id': '20261201T122635Z-6a8260', 'mlflow.source.git.commit': 'c0ffee', 'mlflow.source.git.branch': 'main', 'mlflow.user': 'Ada', 'mlflow.source.type': 'LOCAL' });
    for (const k of ['dap.project', 'dap.pipeline_url', 'dap.job_id', 'dap.job_url', 'mlflow.source.git.repoURL']) expect(ctx.tags[k], k).toBeUndefined();
  });
  it('on GitLab: every attempt of a job is its own run, all sharing dap.attempt_of', () => {
    const env = { ...job, CI_PIPELINE_ID: '4711', GITLAB_CI: 'true' };
    const a1 = jobContext({ ...env, CI_JOB_ID: '9001' }, {}, os.tmpdir(), ['x']);
    const a2 = jobContext({ ...env, CI_JOB_ID: '9002' }, {}, os.tmpdir(), ['x']);
    expect(a1.identity).not.toBe(a2.identity);
    expect(a1.tags['dap.attempt_of']).toBe('abcdef1234567890|pipeline:4711|job:exp: [r0-abcdef12]');
    expect(a2.tags['dap.attempt_of']).toBe(a1.tags['dap.attempt_of']);
    expect(a2.tags['dap.source']).toBe('gitlab');
  });
  it('dap runs keeps the latest attempt of each retried job and counts the attempts', () => {
    const run = (identity: string, startTime: number, attemptOf?: string): RunSummary => ({ journal: identity, identity, experiment: 'e', runName: identity, status: 'FINISHED', startTime, params: {}, metrics: {}, shippedTo: [], attemptOf });
    const rows = latestAttempts([run('a#1', 1, 'a'), run('a#2', 5, 'a'), run('b', 2), run('c#7', 3, 'c')]);
    expect(rows.map((r) => [r.identity, r.attempts])).toEqual([['b', undefined], ['a#2', 2], ['c#7', 1]]);
  });
});

describe('local pipeline pieces', () => {
  it('local pipeline ids: start time plus random hex, unique for two clones starting together', () => {
    const at = new Date('2026-12-01T12:26:35.123Z');
    expect(localPipelineId(at, 'a1b2c3d4')).toBe('20261201T122635Z-a1b2c3');
    expect(localPipelineId(at, 'a1b2c3')).not.toBe(localPipelineId(at, '0f0f0f'));
    expect(() => localPipelineId(at, 'xyz')).toThrow();
  });
  it('a recorded remote never carries credentials', () => {
    expect(withoutCredentials('https://oauth2:glpat-secret@gitlab.example.com/g/p.git')).toBe('https://gitlab.example.com/g/p.git');
    expect(withoutCredentials('https://glpat-secret@gitlab.example.com/g/p.git')).toBe('https://gitlab.example.com/g/p.git');
    expect(withoutCredentials('ssh://git@gitlab.example.com/g/p.git')).toBe('ssh://git@gitlab.example.com/g/p.git');
    expect(withoutCredentials('git@gitlab.example.com:g/p.git')).toBe('git@gitlab.example.com:g/p.git');
  });
  it("filters gitlab-ci-local's fallback complaints of a repository without a commit, not job output", () => {
    expect(isGitFallbackNoise('Using fallback git commit data')).toBe(true);
    expect(isGitFallbackNoise("fatal: ambiguous argument 'HEAD': unknown revision or path not in the working tree.")).toBe(true);
    expect(isGitFallbackNoise('  Command failed with exit code 128: git rev-parse --abbrev-ref HEAD')).toBe(true);
    expect(isGitFallbackNoise("dap_check    > fatal: ambiguous argument 'HEAD'")).toBe(false);
    expect(isGitFallbackNoise("git remote get-url origin didn't provide valid matches")).toBe(true);
    expect(isGitFallbackNoise('fatal: something else')).toBe(false);
  });
  it('job times print the same way whatever precision gitlab-ci-local reported', () => {
    expect([704, 6750, 17000, 9960, 65_000].map(formatDuration)).toEqual(['0.7 s', '6.8 s', '17 s', '10 s', '1 min 05 s']);
  });
  it('the project root is found from a subdirectory (experiments/ or .git upwards)', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-root-'));
    fs.mkdirSync(path.join(root, 'experiments', 'toy'), { recursive: true });
    fs.mkdirSync(path.join(root, 'src', 'deep'), { recursive: true });
    expect(findProjectRoot(path.join(root, 'src', 'deep'))).toBe(root);
    expect(findProjectRoot(path.join(root, 'experiments', 'toy'))).toBe(root);
    fs.rmSync(root, { recursive: true, force: true });
  });
});

describe("dap's built-in environments", () => {
  it('a project without environments/ has base and python built in; its own directory of that name overrides one', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-builtin-'));
    expect(await environmentSources(root)).toEqual({ own: [], builtin: ['base', 'python'] });
    fs.mkdirSync(path.join(root, 'environments', 'python'), { recursive: true });
    fs.writeFileSync(path.join(root, 'environments', 'python', 'environment.yaml'), 'base: local/debian:bookworm\n');
    expect(await environmentSources(root)).toEqual({ own: ['python'], builtin: ['base'] });
    fs.rmSync(root, { recursive: true, force: true });
  });
  it('dap env ls names the built-ins', () => {
    const text = formatList({ environments: [{ name: 'base', description: '', built: false, builtin: true, image: 'r/p/env-base:abc' }, { name: 'gpu', description: '', built: true, image: 'r/p/env-gpu:def' }], containers: [] });
    expect(text.split('\n').slice(1, 3)).toEqual(['base (built-in)       no     r/p/env-base:abc', 'gpu                   yes    r/p/env-gpu:def']);
  });
});
