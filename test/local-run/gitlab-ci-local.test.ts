import { describe, expect, it } from 'vitest';
import { runLocalOp } from '../../src/ops/run-local.js';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { tempRepo, writeFiles } from '../support/temp-repo.js';

// A real gitlab-ci-local run of a parent pipeline whose child has one failing job: dap must
// report the pipeline as failed even though gitlab-ci-local itself exits 0 for it.
const child = `workflow:
  rules:
    - if: '$CI_PIPELINE_SOURCE == "parent_pipeline"'
work:
  script:
    - 'test "$DAP_RUN" != bad'
  parallel:
    matrix:
      - DAP_RUN: [good, bad]
`;
const parent = (childOk: boolean) => `stages: [prepare, run]
prepare:
  stage: prepare
  script:
    - mkdir -p out
    - cp child.yml out/child.yml
    ${childOk ? "- sed -i 's/!= bad/!= nothing/' out/child.yml" : '- echo keep'}
  artifacts:
    paths: [out/child.yml]
children:
  stage: run
  needs: [prepare]
  trigger:
    include:
      - artifact: out/child.yml
        job: prepare
    strategy: depend
`;

describe('dap run --local on gitlab-ci-local', () => {
  it('fails the pipeline when a child job fails, naming the job and its output', async () => {
    const root = await tempRepo({ '.gitlab-ci.yml': parent(false), 'child.yml': child });
    const lines: string[] = [];
    const res = await runLocalOp({ root, pipelineFile: '.gitlab-ci.yml', onLine: (l) => lines.push(l) });
    expect(res.passed).toBe(false);
    const byName = Object.fromEntries(res.jobs.map((j) => [j.name, j]));
    expect(byName['work: [bad]']?.status).toBe('failed');
    expect(byName['work: [good]']?.status).toBe('passed');
    expect(byName['work: [bad]']?.trigger).toBe('children');
    expect(byName['prepare']?.status).toBe('passed');
    expect(byName['prepare']?.durationMs).toBeGreaterThan(0);
    expect(lines.some((l) => l.includes('test "$DAP_RUN" != bad'))).toBe(true); // logs streamed
  });

  it('passes when every job passes', async () => {
    const root = await tempRepo({ '.gitlab-ci.yml': parent(true), 'child.yml': child });
    const res = await runLocalOp({ root, pipelineFile: '.gitlab-ci.yml' });
    expect(res.jobs.map((j) => [j.name, j.status]).sort()).toEqual([
      ['children', 'passed'], ['prepare', 'passed'], ['work: [bad]', 'passed'], ['work: [good]', 'passed'],
    ]);
    expect(res.passed).toBe(true);
  });

  it('runs the working tree as it is on disk: modified and untracked files go in, ignored ones do not, nothing is committed', async () => {
    const pipeline = `look:
  script:
    - 'test "$(cat tracked.txt)" = edited'
    - 'test "$(cat untracked.txt)" = new'
    - 'test ! -e secret.txt'
    - 'test ! -e .dap/local/pipelines.jsonl'
`;
    const root = await tempRepo({ '.gitlab-ci.yml': pipeline, 'tracked.txt': 'committed', '.gitignore': 'secret.txt\n' });
    await writeFiles(root, { 'tracked.txt': 'edited', 'untracked.txt': 'new', 'secret.txt': 'do not copy' });
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' });
    const status = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' });
    const notices: string[] = [];
    const res = await runLocalOp({ root, pipelineFile: '.gitlab-ci.yml', onNotice: (m) => notices.push(m) });
    expect(res.jobs.map((j) => [j.name, j.status])).toEqual([['look', 'passed']]);
    expect(notices.join('\n')).toMatch(/running the working tree as it is on disk \(1 untracked: untracked.txt, 1 modified: tracked.txt\)/);
    // the user's repository is as it was: same HEAD, same index and status, no staging index left behind
    expect(execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' })).toBe(head);
    // (.dap/ is not ignored in this repository, so its local-run state shows up as untracked; it never went into the job)
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' }).replace('?? .dap/\n', '')).toBe(status);
    expect(readdirSync(path.join(root, '.git')).filter((f) => f.startsWith('dap-index'))).toEqual([]);
  });

  it('--no-generate with a stale .gitlab-ci.yml: refused in one line before anything starts', async () => {
    const { runOp } = await import('../../src/ops/run-selected.js');
    const spec = 'name: tiny\nenvironment: python\ncommand: ["true"]\n';
    const root = await tempRepo({ 'experiments/tiny.yaml': spec, '.gitlab-ci.yml': 'old:\n  script: [true]\n' });
    await expect(runOp({ root, experiments: [], generate: false })).rejects.toThrow(/^\.gitlab-ci\.yml is out of date with the specs, so the pipeline's dap_check job would fail; nothing was started$/);
    expect(existsSync(path.join(root, '.dap', 'local', 'pipelines.jsonl'))).toBe(false);
  });

  it('refuses a directory that is not a git repository', async () => {
    await expect(runLocalOp({ root: '/tmp', pipelineFile: '.gitlab-ci.yml' })).rejects.toThrow(/not a git repository/);
  });
});
