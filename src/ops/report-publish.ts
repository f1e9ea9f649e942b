import { gitlabFromEnv, type GitlabConnection } from '../adapters/gitlab/client.js';
import { postCommitComment, upsertMrNote, uploadFile, type UpsertAction } from '../adapters/gitlab/notes.js';
import { githubFromEnv } from '../adapters/github/client.js';
import { setCommitStatus, upsertPrComment } from '../adapters/github/comments.js';
import { htmlErrorMessage } from '../adapters/http/html-answer.js';
import { httpStatusOf, retryTransient, type TransientRetry } from '../adapters/http/transient-retry.js';
import type { ChartSpec } from '../core/report/charts.js';
import { fitMarkdown, GITHUB_COMMENT_LIMIT, GITLAB_NOTE_LIMIT, REPORT_MARKER } from '../core/report/markdown.js';
import type { Report } from '../core/report/model.js';

// Puts the report where people look: the merge request (or commit) on GitLab, the pull request and
// commit status on GitHub. A failure here is a warning: the report files are job artifacts anyway.

export interface PublishOptions {
  env: NodeJS.ProcessEnv;
  project?: string;
  report: Report;
  charts: ChartSpec[];
  svgs: Record<string, string>;
  topN: number;
  mrIid?: number;
  sha?: string;
  githubPr?: number;
  retry: TransientRetry;
  say: (line: string) => void;
}

export interface Posted { where: string; action: UpsertAction }
export interface PublishResult { posted: Posted[]; failures: string[] }

const JOB_TOKEN_ONLY = 'only CI_JOB_TOKEN is available, and a job token cannot write merge-request notes, commit comments or uploads: set DAP_GITLAB_TOKEN (a project access token with the api scope, as a masked CI/CD variable); report.md and report.html are in the job artifacts';

/** One line a user can act on, never the token. */
function describe(e: unknown, vendor: string, host: string, what: string, tokenVar: string): string {
  const page = htmlErrorMessage(e, vendor, what, host);
  if (page) return page;
  const status = httpStatusOf(e);
  const body = (e as { cause?: { description?: string } }).cause?.description ?? (e as { response?: { data?: { message?: string } } }).response?.data?.message ?? '';
  if (status === 401) return `${host} refused ${tokenVar} while ${what} (HTTP 401): the token is invalid or expired`;
  if (status === 403) return `${host} refused ${tokenVar} while ${what} (HTTP 403${/scope/i.test(body) ? ', insufficient scope' : ''}): the token needs the api scope (GitLab) or write access to pull requests and statuses (GitHub)`;
  if (status === 404) return `${host}: not found while ${what} (HTTP 404): check the project/repository and the merge/pull request number, and that the token can see it`;
  if (status) return `${host} answered HTTP ${status} while ${what}, after retries: ${(e as Error).message.split('\n')[0]}`;
  return `${host} is unreachable while ${what}: ${(e as Error).message.split('\n')[0]}`;
}

/** One posting step: retried while transient, then recorded as a failure (undefined) instead of thrown. */
function stepper(o: PublishOptions, res: PublishResult, name: string, host: string, tokenVar: string) {
  const retry = { ...o.retry, onRetry: (r: { attempt: number; status?: number; message: string }) => o.say(`dap report: ${name} ${r.status ? `HTTP ${r.status}` : r.message}; retrying (attempt ${r.attempt + 1})`) };
  return async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await retryTransient(fn, retry);
    } catch (e) {
      res.failures.push(`${name}: ${describe(e, name, host, what, tokenVar)}`);
      return undefined;
    }
  };
}

async function publishGitlab(o: PublishOptions, res: PublishResult): Promise<Record<string, string>> {
  const env = o.env;
  const token = env.DAP_GITLAB_TOKEN || env.GITLAB_TOKEN;
  if (!token) {
    if (env.CI_JOB_TOKEN) res.failures.push(`GitLab: ${JOB_TOKEN_ONLY}`);
    else res.failures.push('GitLab: no token to post with: set DAP_GITLAB_TOKEN (a project access token with the api scope)');
    return {};
  }
  let conn: GitlabConnection;
  try {
    conn = gitlabFromEnv({ ...env, GITLAB_TOKEN: token, CI_JOB_TOKEN: undefined }, o.project);
  } catch (e) {
    res.failures.push(`GitLab: ${(e as Error).message}`);
    return {};
  }
  const tokenVar = env.DAP_GITLAB_TOKEN ? 'DAP_GITLAB_TOKEN' : 'GITLAB_TOKEN';
  const step = stepper(o, res, 'GitLab', conn.host, tokenVar);
  if (!o.mrIid && !o.sha) {
    res.failures.push('GitLab: no merge request and no commit to comment on (pass --mr IID, or run in a pipeline)');
    return {};
  }
  const images: Record<string, string> = {};
  for (const c of o.charts) {
    const svg = o.svgs[c.id];
    if (!svg) continue;
    const md = await step(`uploading chart ${c.id}.svg`, () => uploadFile(conn.api, conn.project, `${c.id}.svg`, Buffer.from(svg), 'image/svg+xml'));
    if (md === undefined) return {};
    images[c.id] = md.replace(/^!\[[^\]]*\]/, `![${c.title.replace(/[[\]\\]/g, '')}]`);
  }
  const { text, topN } = fitMarkdown(o.report, { topN: o.topN, charts: o.charts, images }, GITLAB_NOTE_LIMIT);
  if (topN < o.topN) o.say(`dap report: showing the top ${topN} run(s) per experiment to stay under GitLab's note limit`);
  if (o.mrIid) {
    const r = await step(`posting the note on merge request !${o.mrIid}`, () => upsertMrNote(conn.api, conn.project, o.mrIid!, REPORT_MARKER, text));
    if (r) res.posted.push({ where: `GitLab merge request !${o.mrIid} (note ${r.id})`, action: r.action });
  } else {
    const r = await step(`commenting on commit ${o.sha!.slice(0, 12)}`, () => postCommitComment(conn.api, conn.project, o.sha!, text));
    if (r) res.posted.push({ where: `GitLab commit ${o.sha!.slice(0, 12)}`, action: r.action });
  }
  // GitHub cannot host images: it shows the ones uploaded to GitLab, by absolute URL
  const projectUrl = env.CI_PROJECT_URL;
  return projectUrl ? Object.fromEntries(Object.entries(images).map(([k, v]) => [k, v.replace('](/uploads/', `](${projectUrl}/uploads/`)])) : {};
}

async function publishGithub(o: PublishOptions, res: PublishResult, images: Record<string, string>): Promise<void> {
  let gh;
  try {
    gh = githubFromEnv(o.env);
  } catch (e) {
    res.failures.push(`GitHub: ${(e as Error).message}`);
    return;
  }
  if (!gh) return;
  const tokenVar = o.env.DAP_GITHUB_TOKEN ? 'DAP_GITHUB_TOKEN' : 'GITHUB_TOKEN';
  const step = stepper(o, res, 'GitHub', gh.apiUrl, tokenVar);
  if (o.githubPr) {
    const { text } = fitMarkdown(o.report, { topN: o.topN, charts: o.charts, images }, GITHUB_COMMENT_LIMIT);
    const r = await step(`commenting on pull request #${o.githubPr}`, () => upsertPrComment(gh, o.githubPr!, REPORT_MARKER, text));
    if (r) res.posted.push({ where: `GitHub pull request #${o.githubPr} (comment ${r.id})`, action: r.action });
  }
  const sha = o.env.DAP_GITHUB_SHA ?? o.sha;
  if (sha) {
    const t = o.report.totals;
    const state = t.failed ? 'failure' : t.runs ? 'success' : 'error';
    const r = await step(`setting the status of commit ${sha.slice(0, 12)}`, () =>
      setCommitStatus(gh, sha, state, o.report.subject.pipelineUrl, `dap: ${t.runs} run(s), ${t.failed} failed`).then(() => true));
    if (r) res.posted.push({ where: `GitHub commit status ${sha.slice(0, 12)} (${state})`, action: 'updated' });
  }
}

export async function publishReport(o: PublishOptions): Promise<PublishResult> {
  const res: PublishResult = { posted: [], failures: [] };
  const gitlabConfigured = Boolean(o.env.GITLAB_URL ?? o.env.CI_SERVER_URL);
  const images = gitlabConfigured ? await publishGitlab(o, res) : {};
  await publishGithub(o, res, images);
  if (!gitlabConfigured && !o.env.DAP_GITHUB_REPOSITORY) res.failures.push('nowhere to post: set GITLAB_URL (or run in a GitLab pipeline) and/or DAP_GITHUB_REPOSITORY; or pass --no-post');
  return res;
}
