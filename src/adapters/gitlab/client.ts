import { htmlErrorMessage } from '../http/html-answer.js';
import { httpStatusOf } from '../http/status-of.js';
import { Gitlab } from '@gitbeaker/rest';
import { DapError, UnavailableError, UsageError } from '../../errors.js';

// One gitbeaker client from the environment: GITLAB_URL (or CI_SERVER_URL inside a job) and
// GITLAB_TOKEN (a personal/project token, PRIVATE-TOKEN) or CI_JOB_TOKEN (JOB-TOKEN).

export type GitlabApi = InstanceType<typeof Gitlab>;

export interface GitlabConnection {
  api: GitlabApi;
  host: string;
  project: string;
}

export function gitlabFromEnv(env: NodeJS.ProcessEnv, project?: string): GitlabConnection {
  const host = env.GITLAB_URL ?? env.CI_SERVER_URL;
  if (!host) throw new UsageError('no GitLab server configured', 'set GITLAB_URL (e.g. https://gitlab.example.com); inside a job CI_SERVER_URL is used');
  const proj = project ?? env.GITLAB_PROJECT ?? env.CI_PROJECT_ID ?? env.CI_PROJECT_PATH;
  if (!proj) throw new UsageError('which GitLab project?', 'pass --project ID_OR_PATH (inside a job CI_PROJECT_ID is used)');
  let api: GitlabApi;
  if (env.GITLAB_TOKEN) api = new Gitlab({ host, token: env.GITLAB_TOKEN });
  else if (env.CI_JOB_TOKEN) api = new Gitlab({ host, jobToken: env.CI_JOB_TOKEN });
  else throw new UsageError('no GitLab token', 'set GITLAB_TOKEN (a token with read_api scope); inside a job CI_JOB_TOKEN is used');
  return { api, host, project: proj };
}

export const GITLAB_URL_HINT = 'use the GitLab base URL (e.g. https://gitlab.example.com), not a page or a proxy login';

/** gitbeaker's errors as one line that says what to check; never the token. */
export function gitlabError(e: unknown, host: string, what: string): Error {
  const err = e as { message?: string; cause?: { code?: string }; name?: string };
  const status = httpStatusOf(e);
  const page = htmlErrorMessage(e, 'GitLab', what, host);
  if (page) return new UnavailableError(page, GITLAB_URL_HINT);
  if (status === 401 || status === 403) {
    return new UnavailableError(`GitLab at ${host} refused the token while ${what} (HTTP ${status})`, 'check GITLAB_TOKEN (needs read_api) or CI_JOB_TOKEN, and that it can see the project');
  }
  if (status === 404) return new DapError(`GitLab at ${host}: not found while ${what}`, { hint: 'check --project and the pipeline id' });
  if (status) return new UnavailableError(`GitLab at ${host} answered HTTP ${status} while ${what}: ${err.message ?? ''}`.trim());
  const code = (err.cause as { code?: string } | undefined)?.code ?? err.message ?? String(e);
  return new UnavailableError(`GitLab at ${host} is unreachable while ${what} (${code})`, 'check GITLAB_URL / CI_SERVER_URL and the network');
}
