// dap submit against a real bare git remote on disk (pushes, hooks, a second clone racing ahead)
// and a fake GitLab whose pipeline for the pushed SHA moves through its states as it is polled.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { submitOp, type SubmitOptions } from '../../src/ops/submit.js';
import { exampleRepo, SPEC } from '../e2e/support/example-repo.js';
import { startFakeGitlab, type FakeGitlab } from '../fakes/gitlab-server.js';
import { reportRoutes, type LiveJob, type LivePipeline } from '../fakes/gitlab-report-routes.js';
import { cliBin } from '../tracking/helpers.js';
import { exec } from '../../src/adapters/exec/exec.js';
import type { DapError } from '../../src/errors.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: 'pipe' }).trim();

const job = (id: number, name: string, stage: string, status: string): LiveJob => ({ id, name, stage, status });

/** created -> running -> each job on its way -> `end`; the child pipeline runs the experiment jobs */
function pipelineFor(id: number, sha: string, ref: string, end: 'success' | 'failed'): LivePipeline {
  const parent = (check: string, gen: string, status: string) => ({ status, jobs: [job(id * 10 + 1, 'dap_check', '.pre', check), job(id * 10 + 2, 'dap_generate', 'generate', gen)] });
  const childJobs = (a: string, b: string) => [job(id * 10 + 5, 'toy-regression lane 1/2', 'run', a), job(id * 10 + 6, 'toy-regression lane 2/2', 'run', b)];
  return {
    id, sha, ref,
    states: [parent('pending', 'created', 'pending'), parent('running', 'created', 'running'), parent('success', 'running', 'running'), parent('success', 'success', 'running'), parent('success', 'success', 'running'), parent('success', 'success', end)],
    child: {
      id: id + 1, sha, ref,
      states: [{ status: 'created', jobs: [] }, { status: 'created', jobs: [] }, { status: 'created', jobs: [] }, { status: 'running', jobs: childJobs('running', 'pending') }, { status: 'running', jobs: childJobs('success', 'running') }, { status: end, jobs: childJobs('success', end) }],
    },
  };
}

describe('dap submit', () => {
  let gitlab: FakeGitlab;
  let root: string;
  let bare: string;
  let tmp: string;
  let nextId = 100;
  let ending: 'success' | 'failed' = 'success';
  let looks = 0;
  let appearAfter = 2;
  const lines: string[] = [];

  beforeAll(async () => {
    const routes = reportRoutes({
      projectId: 42, projectPath: 'ml/toy', tokens: { 'glpat-api': ['api'] },
      // GitLab makes a pipeline for a pushed commit, a moment after the push
      pipelineForSha: (sha, ref) => {
        if (!ref || git(bare, 'rev-parse', `refs/heads/${ref}`) !== sha) return undefined;
        if (++looks < appearAfter) return undefined;
        return pipelineFor(nextId, sha, ref, ending);
      },
    });
    gitlab = await startFakeGitlab({ projects: [], tokens: [], routes: [routes.route] });
  });
  afterAll(async () => { await gitlab?.close(); });

  beforeEach(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-submit-'));
    bare = path.join(tmp, 'remote.git');
    git(tmp, 'init', '-q', '--bare', '-b', 'main', bare);
    root = (await exampleRepo('submit-test')).root;
    git(root, 'remote', 'add', 'origin', bare);
    git(root, 'push', '-q', '-u', 'origin', 'main');
    git(root, 'switch', '-q', '-c', 'faster');
    nextId += 10;
    looks = 0;
    appearAfter = 2;
    ending = 'success';
    lines.length = 0;
  });

  const env = () => ({ ...process.env, GITLAB_URL: gitlab.url, DAP_GITLAB_TOKEN: 'glpat-api' });
  const opts = (over: Partial<SubmitOptions> = {}): SubmitOptions => ({ root, project: 'ml/toy', env: env(), pollMs: 5, say: (l) => lines.push(l), ...over });
  const editSpec = () => fs.writeFileSync(path.join(root, SPEC), fs.readFileSync(path.join(root, SPEC), 'utf8').replace('epochs: 40', 'epochs: 30'));

  it('commits the spec and the regenerated pipeline together, pushes, finds the pipeline and follows every job to success', async () => {
    editSpec();
    const before = git(root, 'rev-parse', 'HEAD');
    const res = await submitOp(opts({ message: 'fewer epochs' }));
    expect(res.exitCode).toBe(0);
    expect(res.committed).toBe(true);
    expect(git(root, 'log', '-1', '--format=%s')).toBe('fewer epochs');
    expect(git(root, 'diff', '--name-only', before, 'HEAD').split('\n').sort()).toEqual(['.gitlab-ci.yml', SPEC]);
    expect(git(root, 'status', '--porcelain')).toBe('');
    expect(git(bare, 'rev-parse', 'refs/heads/faster')).toBe(res.sha);
    expect(git(root, 'rev-parse', '--abbrev-ref', 'faster@{upstream}')).toBe('origin/faster');
    expect(looks).toBe(2); // polled until GitLab had made it
    expect(lines).toContain(`pipeline ${nextId}: https://gitlab.example.com/ml/toy/-/pipelines/${nextId}`);
    const changes = lines.filter((l) => /^\d\d:\d\d:\d\d {2}/.test(l)).map((l) => l.slice(10).replace(/ \(job \d+.*\)$/, '').replace(/\s+/g, ' '));
    expect(changes).toEqual([
      'pending dap_check', 'created dap_generate',
      'running dap_check',
      'success dap_check', 'running dap_generate',
      'success dap_generate', 'running toy-regression lane 1/2', 'pending toy-regression lane 2/2',
      'success toy-regression lane 1/2', 'running toy-regression lane 2/2',
      'success toy-regression lane 2/2',
      `pipeline ${nextId} success`,
    ]);
    expect(lines.find((l) => l.includes('lane 1/2'))).toContain(`child pipeline ${nextId + 1}`);
  });

  it('exit code = the pipeline result: a failed pipeline makes `dap submit` exit 1', async () => {
    editSpec();
    ending = 'failed';
    const r = await exec(['node', cliBin, 'submit', '-m', 'try', '--project', 'ml/toy'], { cwd: path.join(root, 'experiments'), env: { ...env(), DAP_SUBMIT_POLL_MS: '5' }, timeoutMs: 100_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/failed\s+toy-regression lane 2\/2/);
    expect(r.stdout).toContain(`pipeline ${nextId} failed`);
    expect(r.code).toBe(1);
  });

  it('--no-wait stops after printing the URL', async () => {
    editSpec();
    const res = await submitOp(opts({ wait: false }));
    expect(res.exitCode).toBe(0);
    expect(lines.at(-1)).toBe(`pipeline ${nextId}: https://gitlab.example.com/ml/toy/-/pipelines/${nextId}`);
  });

  const refusal = async (pattern: RegExp, o: Partial<SubmitOptions> = {}) => {
    const head = git(root, 'rev-parse', 'HEAD');
    const remoteHead = git(bare, 'for-each-ref', '--format=%(refname) %(objectname)');
    const staged = git(root, 'diff', '--cached', '--name-only');
    await expect(submitOp(opts(o))).rejects.toThrow(pattern);
    expect(git(root, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(bare, 'for-each-ref', '--format=%(refname) %(objectname)')).toBe(remoteHead);
    expect(git(root, 'diff', '--cached', '--name-only')).toBe(staged);
    expect(git(root, 'status', '--porcelain')).toContain(SPEC); // the user's change is still there
  };

  it('refuses when unrelated files are staged', async () => {
    editSpec();
    fs.writeFileSync(path.join(root, 'notes.txt'), 'mine\n');
    git(root, 'add', 'notes.txt');
    await refusal(/unrelated files are staged: notes\.txt; nothing was committed/);
  });

  it('refuses when the branch is behind its upstream', async () => {
    git(root, 'push', '-q', '-u', 'origin', 'faster');
    const other = path.join(tmp, 'other');
    git(tmp, 'clone', '-q', '-b', 'faster', bare, other);
    fs.writeFileSync(path.join(other, 'README.md'), 'someone else\n');
    git(other, 'add', '-A');
    git(other, '-c', 'user.email=o@x', '-c', 'user.name=o', 'commit', '-qm', 'theirs');
    git(other, 'push', '-q');
    editSpec();
    await refusal(/faster is 1 commit\(s\) behind origin\/faster; nothing was committed/);
  });

  it('refuses when there is no remote', async () => {
    git(root, 'remote', 'remove', 'origin');
    editSpec();
    await refusal(/no git remote to push to; nothing was committed/);
  });

  it('refuses when the remote rejects the push, and undoes its commit', async () => {
    fs.writeFileSync(path.join(bare, 'hooks', 'pre-receive'), '#!/bin/sh\necho "GitLab: You are not allowed to push code to protected branches on this project."\nexit 1\n', { mode: 0o755 });
    editSpec();
    await refusal(/origin rejected the push of faster; the commit was undone, nothing was committed:[\s\S]*not allowed to push code to protected branches/);
    expect(git(root, 'diff', '--name-only').split('\n').sort()).toEqual(['.gitlab-ci.yml', SPEC]); // regenerated, unstaged, not committed
  });

  it('gives up looking for a pipeline after a bounded time, saying the push itself succeeded', async () => {
    editSpec();
    appearAfter = Infinity;
    const err = await submitOp(opts({ findTimeoutMs: 300 })).catch((e: unknown) => e as DapError);
    expect(err.message).toMatch(/GitLab made no pipeline for [0-9a-f]{12} on faster within 0 s \(\d+ look\(s\)\)/);
    expect(err.hint).toContain('the push itself succeeded');
    expect(looks).toBeGreaterThanOrEqual(2);
    expect(git(bare, 'rev-parse', 'refs/heads/faster')).toBe(git(root, 'rev-parse', 'HEAD'));
  });
});
