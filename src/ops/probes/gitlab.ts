// Asking a GitLab server "who am I" and "what is this project" through gitbeaker, with every way
// it can go wrong turned into one sentence and a hint (used by `dap login` and `dap doctor`).

import { Gitlab } from '@gitbeaker/rest';
import { GITLAB_URL_HINT, gitlabError } from '../../adapters/gitlab/client.js';
import { htmlAnswerMessage, looksLikeHtml } from '../../adapters/http/index.js';
import { DapError } from '../../errors.js';

export interface TokenInfo { name: string; scopes: string[]; expiresAt: string | null }
export interface ProjectInfo {
  id: number;
  path: string;
  jobsEnabled: boolean;
  registryEnabled: boolean;
  /** host/group/project of the container registry, '' when it has none */
  registryPrefix: string;
}

/** Scopes that let dap read pipelines and job artifacts. */
export const API_SCOPES = ['api', 'read_api'];

export class ProbeError extends DapError {}

export function gitlabApi(host: string, token: string, timeoutMs: number) {
  return new Gitlab({ host, token, queryTimeout: timeoutMs });
}

type Api = ReturnType<typeof gitlabApi>;

/** A body that is not GitLab's JSON (a login page, a proxy's error page) means the URL is wrong. */
async function json<T extends object>(answer: { data: unknown; status: number; headers: Record<string, string> }, host: string, path: string): Promise<T> {
  const body = answer.data;
  if (typeof body === 'object' && body !== null && !(body instanceof Blob)) return body as T;
  const text = body instanceof Blob ? await body.text() : String(body ?? '');
  if (looksLikeHtml(text, answer.headers['content-type'])) {
    throw new ProbeError(htmlAnswerMessage({ vendor: 'GitLab', url: `${host}/api/v4/${path}`, status: answer.status, body: text, what: path }), { hint: GITLAB_URL_HINT });
  }
  throw new ProbeError(`${host} answered ${path} with a page that is not GitLab's API (HTTP ${answer.status}, not JSON)`, { hint: GITLAB_URL_HINT });
}

export function explain(e: unknown, host: string, what: string): DapError {
  if (e instanceof DapError) return e;
  const name = (e as { name?: string }).name;
  if (name === 'GitbeakerTimeoutError') return new ProbeError(`GitLab at ${host} did not answer ${what} in time`, { hint: 'check the URL and the network; is GitLab up?' });
  if (name === 'GitbeakerRetryError') return new ProbeError(`GitLab at ${host} kept answering 429/502 while ${what}`, { hint: 'GitLab or its proxy is overloaded or starting: try again in a minute' });
  const err = gitlabError(e, host, what);
  return err instanceof DapError ? err : new ProbeError(err.message);
}

export async function tokenInfo(api: Api, host: string): Promise<TokenInfo> {
  try {
    const t = await json<{ name?: string; scopes?: unknown; expires_at?: string | null }>(await api.PersonalAccessTokens.show({ showExpanded: true }), host, 'personal_access_tokens/self');
    const scopes = Array.isArray(t.scopes) ? t.scopes.filter((s): s is string => typeof s === 'string') : [];
    return { name: String(t.name ?? ''), scopes, expiresAt: t.expires_at ?? null };
  } catch (e) {
    throw explain(e, host, 'reading personal_access_tokens/self');
  }
}

export async function gitlabVersion(api: Api, host: string): Promise<string> {
  try {
    const m = await json<{ version?: string }>(await api.Metadata.show({ showExpanded: true }), host, 'metadata');
    return String(m.version ?? 'unknown');
  } catch (e) {
    throw explain(e, host, 'reading its version');
  }
}

export async function projectInfo(api: Api, host: string, project: string): Promise<ProjectInfo> {
  try {
    const p = await json<Record<string, unknown>>(await api.Projects.show(project, { showExpanded: true }), host, `projects/${encodeURIComponent(project)}`);
    const level = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : undefined);
    return {
      id: Number(p.id),
      path: String(p.path_with_namespace ?? project),
      jobsEnabled: level('builds_access_level') ? level('builds_access_level') !== 'disabled' : p.jobs_enabled !== false,
      registryEnabled: level('container_registry_access_level') ? level('container_registry_access_level') !== 'disabled' : p.container_registry_enabled === true,
      registryPrefix: typeof p.container_registry_image_prefix === 'string' ? p.container_registry_image_prefix : '',
    };
  } catch (e) {
    throw explain(e, host, `reading project ${project}`);
  }
}
