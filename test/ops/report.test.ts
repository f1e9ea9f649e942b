// reportOp end to end without MLflow: journals written the way `dap track` writes them, the files
// it produces, and what a posting failure does to the exit code (--strict or not).

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journalFileName } from '../../src/tracking/journal.js';
import { reportOp } from '../../src/ops/report.js';
import { startFakeGitlab, type FakeGitlab } from '../fakes/gitlab-server.js';
import { reportRoutes } from '../fakes/gitlab-report-routes.js';
import { tempRepo } from '../support/temp-repo.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';

function writeJournal(dir: string, pipeline: string, i: number, lr: number, status: 'FINISHED' | 'FAILED') {
  const identity = `key${i}|pipeline:${pipeline}|job:toy ${i}`;
  const events = [
    { t: 'open', v: 1, identity, experiment: 'toy', runKey: `key${i}`, runIndex: i, runName: `r${i}`, time: 1_700_000_000_000 + i, workdir: '/tmp', primary: 'val_loss', goal: 'minimize' },
    { t: 'params', params: { lr: String(lr), epochs: '3' } },
    { t: 'tags', tags: { 'dap.pipeline_id': pipeline, 'dap.run': `r${i}`, 'mlflow.source.git.branch': 'faster' } },
    { t: 'metrics', points: [0, 1, 2].map((s) => ({ k: 'val_loss', v: Number((1 / (1 + lr * (s + 1))).toFixed(4)), s, ts: 1 })) },
    { t: 'status', status, time: 1_700_000_001_000 },
  ];
  fs.writeFileSync(path.join(dir, journalFileName(identity)), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
}

describe('reportOp on local journals', () => {
  let root: string;
  let gitlab: FakeGitlab;
  const failures: Array<{ method: string; path: RegExp; status: number; times: number }> = [];
  const lines: string[] = [];

  beforeAll(async () => {
    root = await tempRepo({ '.gitignore': '.dap/\n' });
    const dir = path.join(root, '.dap', 'journal');
    fs.mkdirSync(dir, { recursive: true });
    writeJournal(dir, '11', 0, 0.1, 'FINISHED');
    writeJournal(dir, '11', 1, 0.5, 'FINISHED');
    writeJournal(dir, '12', 2, 0.3, 'FINISHED');
    writeJournal(dir, '12', 3, 0.9, 'FINISHED');
    writeJournal(dir, '12', 4, 2.0, 'FAILED');
    const routes = reportRoutes({ projectId: 7, projectPath: 'g/p', tokens: { tok: ['api'] }, failures, mergeRequests: [{ iid: 1, source_branch: 'faster', target_branch: 'main', sha: SHA }] });
    gitlab = await startFakeGitlab({ projects: [], tokens: [], routes: [routes.route] });
  });
  afterAll(async () => {
    await gitlab?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('--local: the newest local pipeline, report.md + report.html + charts, nothing posted', async () => {
    const r = await reportOp({ root, local: true, env: {}, say: (l) => lines.push(l) });
    expect(r.exitCode).toBe(0);
    expect(r.posted).toEqual([]);
    expect(r.report.totals).toEqual({ runs: 3, finished: 2, failed: 1 });
    expect(r.report.experiments[0]!.best?.run.name).toBe('r3');
    const md = fs.readFileSync(path.join(root, '.dap/report/report.md'), 'utf8');
    expect(md).toContain('## dap report: local runs (pipeline 12)');
    expect(md).toContain('No deltas: these are runs from the local journals');
    for (const f of r.files) expect(fs.statSync(f).size).toBeGreaterThan(0);
    expect(r.files.filter((f) => f.endsWith('.svg'))).toHaveLength(2); // val_loss by step, val_loss by lr
    expect(fs.readFileSync(path.join(root, '.dap/report/report.html'), 'utf8').match(/<svg /g)).toHaveLength(2);
  });

  it('a GitLab that keeps failing: a warning and exit 0, or exit 1 with --strict; the files are written either way', async () => {
    const env = { GITLAB_URL: gitlab.url, CI_PROJECT_ID: '7', DAP_GITLAB_TOKEN: 'tok', DAP_PUBLISH_RETRIES: '1', DAP_PUBLISH_BACKOFF_MS: '5' };
    failures.push({ method: 'POST', path: /^uploads$/, status: 503, times: 1000 });
    lines.length = 0;
    const soft = await reportOp({ root, local: true, post: true, mr: 1, env, say: (l) => lines.push(l), pipeline: '11' });
    expect(soft.exitCode).toBe(0);
    expect(soft.report.totals.runs).toBe(2);
    expect(lines).toContain('dap report: GitLab HTTP 503; retrying (attempt 2)');
    expect(lines.some((l) => /^dap report: warning: could not post: GitLab: .* answered HTTP 503 while uploading chart/.test(l))).toBe(true);
    const strict = await reportOp({ root, local: true, post: true, strict: true, mr: 1, env, say: (l) => lines.push(l), pipeline: '11' });
    expect(strict.exitCode).toBe(1);
    expect(fs.existsSync(path.join(root, '.dap/report/report.html'))).toBe(true);
  });

  it('inside a `dap run --local` job it never posts, even with a GitLab configured', async () => {
    lines.length = 0;
    const r = await reportOp({ root, env: { DAP_LOCAL_RUN: '1', CI_PIPELINE_ID: '12', CI_SERVER_URL: 'http://127.0.0.1:9', CI_JOB_TOKEN: 'x' }, say: (l) => lines.push(l) });
    expect(r.posted).toEqual([]);
    expect(r.failures).toEqual([]);
    expect(lines).toContain('dap report: a local run (dap run --local): not posting; the report is in the job artifacts');
  });

  it('bad input: no runs for the pipeline, a bad pipeline id, a bad --top', async () => {
    await expect(reportOp({ root, local: true, pipeline: '99', env: {} })).rejects.toThrow(/no runs in .*journal for pipeline 99/);
    await expect(reportOp({ root, pipeline: '1; drop', env: {} })).rejects.toThrow(/not a pipeline id/);
    await expect(reportOp({ root, local: true, top: 0, env: {} })).rejects.toThrow(/--top 0: must be a positive integer/);
    await expect(reportOp({ root, pipeline: '5', env: {} })).rejects.toThrow(/needs the tracking server/);
  });
});
