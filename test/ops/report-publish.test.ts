// dap report's posting, through the real @gitbeaker/rest and @octokit/rest clients against fake
// GitLab and GitHub servers that answer as the API docs say.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { reportCharts } from '../../src/core/report/charts.js';
import { REPORT_MARKER } from '../../src/core/report/markdown.js';
import { buildReport } from '../../src/core/report/model.js';
import { renderAll } from '../../src/ops/report-charts.js';
import { publishReport, type PublishOptions } from '../../src/ops/report-publish.js';
import { startFakeGitlab, type FakeGitlab } from '../fakes/gitlab-server.js';
import { reportRoutes, type ReportRoutesState } from '../fakes/gitlab-report-routes.js';
import { startFakeGithub, type FakeGithub } from '../fakes/github-server.js';
import { fakeRun } from '../support/report-fixtures.js';

const SHA = 'abcdef0123456789abcdef0123456789abcdef01';

describe('dap report posts to GitLab and GitHub', () => {
  let gitlab: FakeGitlab;
  let github: FakeGithub;
  let state: ReportRoutesState;
  let failures: Array<{ method: string; path: RegExp; status: number; times: number }>;
  const lines: string[] = [];

  beforeAll(async () => {
    failures = [];
    const routes = reportRoutes({
      projectId: 42, projectPath: 'ml/toy', failures,
      tokens: { 'glpat-api': ['api'], 'glpat-read': ['read_api'] },
      mergeRequests: [{ iid: 3, source_branch: 'faster', target_branch: 'main', sha: SHA }],
    });
    state = routes.state;
    gitlab = await startFakeGitlab({ projects: [], tokens: [], routes: [routes.route] });
    github = await startFakeGithub({ owner: 'acme', repo: 'toy', tokens: { 'ghp-write': 'write', 'ghp-read': 'read' }, pulls: [12] });
  });
  afterAll(async () => { await gitlab?.close(); await github?.close(); });
  afterEach(() => { lines.length = 0; failures.length = 0; github.failures.length = 0; });

  async function options(env: Record<string, string>, over: Partial<PublishOptions> = {}, runs = 4): Promise<PublishOptions> {
    const report = buildReport({
      subject: { title: 'pipeline #7', pipelineUrl: 'https://gitlab.example.com/ml/toy/-/pipelines/7', branch: 'faster', targetBranch: 'main', sha: SHA },
      experiments: [{ experiment: 'toy', primary: 'val_loss', goals: { val_loss: 'minimize', r2: 'maximize' }, runs: Array.from({ length: runs }, (_, i) => fakeRun(`r${i}`, { lr: String(i / 10) }, 1, i / 10 + 0.05)) }],
    });
    const charts = reportCharts(report);
    return {
      env: { GITLAB_URL: gitlab.url, CI_PROJECT_ID: '42', ...env }, report, charts, svgs: await renderAll(charts), topN: 10, mrIid: 3, sha: SHA,
      retry: { retries: 2, minTimeoutMs: 10 }, say: (l) => lines.push(l), ...over,
    };
  }

  it('one merge-request note, found by its marker and edited in place; charts uploaded and referenced by the markdown GitLab returned', async () => {
    state.systemNote(3, 'added 1 commit'); // notes of others stay untouched
    const first = await publishReport(await options({ DAP_GITLAB_TOKEN: 'glpat-api' }));
    expect(first.failures).toEqual([]);
    expect(first.posted).toEqual([{ where: expect.stringMatching(/^GitLab merge request !3 \(note \d+\)$/), action: 'created' }]);
    const mine = () => state.notes.get(3)!.filter((n) => n.body.includes(REPORT_MARKER));
    expect(mine()).toHaveLength(1);
    const uploads = state.uploads.length;
    expect(uploads).toBe(3); // val_loss and r2 by step, val_loss by lr
    for (const u of state.uploads) {
      expect(u.type).toBe('image/svg+xml');
      expect(u.bytes.toString('utf8')).toMatch(/^<svg /);
      expect(mine()[0]!.body).toContain(`](${u.url})`);
    }

    // the next pipeline: different numbers, same note
    const second = await publishReport(await options({ DAP_GITLAB_TOKEN: 'glpat-api' }, {}, 6));
    expect(second.posted[0]!.action).toBe('updated');
    expect(mine()).toHaveLength(1);
    expect(state.notes.get(3)!).toHaveLength(2);
    expect(mine()[0]!.body).toContain('6 run(s)');
    expect(mine()[0]!.id).toBe(Number(/note (\d+)/.exec(first.posted[0]!.where)![1]));
    expect(gitlab.requests.filter((r) => r.method === 'PUT' && r.path.includes('/merge_requests/3/notes/'))).toHaveLength(1);
  });

  it('without a merge request: a commit comment, not posted twice when nothing changed', async () => {
    const o = await options({ DAP_GITLAB_TOKEN: 'glpat-api' }, { mrIid: undefined });
    expect((await publishReport(o)).posted).toEqual([{ where: `GitLab commit ${SHA.slice(0, 12)}`, action: 'created' }]);
    expect((await publishReport(o)).posted).toEqual([{ where: `GitLab commit ${SHA.slice(0, 12)}`, action: 'unchanged' }]);
    expect(state.commitComments.get(SHA)).toHaveLength(1);
  });

  it('a read_api token, a job token and no token each get a message that says what to fix; nothing is posted', async () => {
    const notesBefore = state.notes.get(3)?.length ?? 0;
    const read = await publishReport(await options({ DAP_GITLAB_TOKEN: 'glpat-read' }));
    expect(read.posted).toEqual([]);
    expect(read.failures).toEqual([expect.stringMatching(/refused DAP_GITLAB_TOKEN while uploading chart .* \(HTTP 403, insufficient scope\): the token needs the api scope/)]);
    const job = await publishReport(await options({ CI_JOB_TOKEN: 'job-123' }));
    expect(job.failures).toEqual([expect.stringContaining('a job token cannot write merge-request notes')]);
    expect(job.failures[0]).toContain('set DAP_GITLAB_TOKEN');
    const none = await publishReport(await options({}));
    expect(none.failures).toEqual(['GitLab: no token to post with: set DAP_GITLAB_TOKEN (a project access token with the api scope)']);
    expect(state.notes.get(3)?.length ?? 0).toBe(notesBefore);
  });

  it('GitLab 5xx: retried with a bound, then one clear failure (the caller decides whether that fails the job)', async () => {
    failures.push({ method: 'POST', path: /^uploads$/, status: 503, times: 2 });
    const ok = await publishReport(await options({ DAP_GITLAB_TOKEN: 'glpat-api' }));
    expect(ok.failures).toEqual([]);
    expect(lines.filter((l) => l.includes('HTTP 503; retrying'))).toHaveLength(2);

    failures.push({ method: 'PUT', path: /notes\/\d+$/, status: 500, times: 100 });
    lines.length = 0;
    const bad = await publishReport(await options({ DAP_GITLAB_TOKEN: 'glpat-api' }, {}, 5));
    expect(bad.posted).toEqual([]);
    expect(bad.failures).toEqual([expect.stringMatching(/answered HTTP 500 while posting the note on merge request !3, after retries/)]);
    expect(lines.filter((l) => l.includes('HTTP 500; retrying'))).toHaveLength(2); // retries: 2
    expect(failures.find((f) => f.method === 'PUT')!.times).toBe(100 - 3); // 1 try + 2 retries
  });

  it('GitHub mirror: a PR comment edited in place and a commit status linking to the pipeline', async () => {
    const env = { DAP_GITLAB_TOKEN: 'glpat-api', DAP_GITHUB_REPOSITORY: 'acme/toy', DAP_GITHUB_TOKEN: 'ghp-write', DAP_GITHUB_API_URL: github.url, CI_PROJECT_URL: 'https://gitlab.example.com/ml/toy' };
    const first = await publishReport(await options(env, { githubPr: 12 }));
    expect(first.failures).toEqual([]);
    expect(first.posted.map((p) => p.where)).toEqual([expect.stringMatching(/^GitLab merge request !3/), expect.stringMatching(/^GitHub pull request #12 \(comment \d+\)$/), `GitHub commit status ${SHA.slice(0, 12)} (success)`]);
    const second = await publishReport(await options(env, { githubPr: 12 }, 7));
    expect(second.posted[1]!.action).toBe('updated');
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]!.body).toContain('7 run(s)');
    // images: GitLab's uploads, by absolute URL (GitHub has no upload API)
    expect(github.comments[0]!.body).toMatch(/\]\(https:\/\/gitlab\.example\.com\/ml\/toy\/uploads\/[0-9a-f]{32}\/[a-z0-9-]+\.svg\)/);
    expect(github.statuses.at(-1)).toEqual({ sha: SHA, state: 'success', context: 'dap/pipeline', target_url: 'https://gitlab.example.com/ml/toy/-/pipelines/7', description: 'dap: 7 run(s), 0 failed' });
  });

  it('GitHub: a read-only token and a 5xx each end in a clear failure', async () => {
    const base = { DAP_GITHUB_REPOSITORY: 'acme/toy', DAP_GITHUB_API_URL: github.url };
    const read = await publishReport(await options({ ...base, DAP_GITHUB_TOKEN: 'ghp-read' }, { githubPr: 12, env: { ...base, DAP_GITHUB_TOKEN: 'ghp-read' } }));
    expect(read.failures).toEqual([
      expect.stringMatching(/^GitHub: .* refused DAP_GITHUB_TOKEN while commenting on pull request #12 \(HTTP 403\)/),
      expect.stringMatching(/^GitHub: .* refused DAP_GITHUB_TOKEN while setting the status of commit/),
    ]);
    github.failures.push({ method: 'GET', path: /\/issues\/12\/comments$/, status: 502, times: 10 });
    const down = await publishReport(await options({}, { githubPr: 12, env: { ...base, DAP_GITHUB_TOKEN: 'ghp-write' } }));
    expect(down.failures[0]).toMatch(/^GitHub: .* answered HTTP 502 while commenting on pull request #12, after retries/);
    expect(lines.filter((l) => l.includes('GitHub HTTP 502; retrying'))).toHaveLength(2);
  });
});
