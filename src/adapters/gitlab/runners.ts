import { htmlErrorMessage } from '../http/html-answer.js';
import { answerHeaderOf, httpStatusOf } from '../http/status-of.js';
import { Gitlab } from '@gitbeaker/rest';
import { DapError, UnavailableError, UsageError } from '../../errors.js';
import type { GitlabRunner } from '../../core/runners/reconcile.js';
import type { RunnerHost } from '../../core/runners/inventory.js';
import { GITLAB_URL_HINT } from './client.js';
import { retryAfterRequester } from './requester.js';
import type { RetryAfterOptions } from './requester.js';

// GitLab's runner API (doc/api/runners.md, doc/api/users.md#create-a-runner-linked-to-a-user)
// through gitbeaker. Runner tokens pass through here in memory only: never logged, never in an
// error message.

type Api = InstanceType<typeof Gitlab>;

export interface CreatedRunner { id: number; token: string; tokenExpiresAt?: string }

export interface RunnersApiOptions extends RetryAfterOptions { url: string; token: string }

export class GitlabRunners {
  readonly api: Api;
  readonly url: string;

  constructor(opts: RunnersApiOptions) {
    this.url = opts.url.replace(/\/+$/, '');
    this.api = new Gitlab({ host: this.url, token: opts.token, requesterFn: retryAfterRequester(opts) });
  }

  static fromEnv(env: NodeJS.ProcessEnv, retry: RetryAfterOptions = {}): GitlabRunners {
    const url = env.GITLAB_URL;
    if (!url) throw new UsageError('no GitLab server configured', 'set GITLAB_URL (e.g. https://gitlab.example.com)');
    if (!env.GITLAB_TOKEN) throw new UsageError('no GitLab token', 'set GITLAB_TOKEN to a personal access token with the create_runner scope (and read_api/manage_runner for status, unregister and prune)');
    return new GitlabRunners({ url, token: env.GITLAB_TOKEN, ...retry });
  }

  /** POST /user/runners: a runner with the inventory's settings; GitLab answers with its glrt- token. */
  async create(host: RunnerHost): Promise<CreatedRunner> {
    const r = await this.call(`creating the runner for ${host.name}`, () => this.api.Users.createCIRunner(`${host.runnerType}_type`, {
      ...(host.runnerType === 'project' ? { projectId: host.projectId } : {}),
      ...(host.runnerType === 'group' ? { groupId: host.groupId } : {}),
      description: host.description, tagList: host.tags, runUntagged: host.runUntagged, locked: host.locked,
      ...(host.maximumTimeout ? { maximumTimeout: host.maximumTimeout } : {}),
    })) as unknown as { id: number; token: string; token_expires_at?: string | null };
    if (typeof r?.id !== 'number' || typeof r.token !== 'string' || !r.token.startsWith('glrt-')) {
      throw new UnavailableError(`GitLab at ${this.url} answered POST /user/runners without a runner id and glrt- token`);
    }
    return { id: r.id, token: r.token, tokenExpiresAt: r.token_expires_at ?? undefined };
  }

  /**
   * POST /runners/verify with the runner's token. gitbeaker types this call without `token`, so the
   * option is passed through here; 403 means GitLab does not know the token.
   */
  async verify(token: string, systemId?: string): Promise<{ valid: true; id: number } | { valid: false }> {
    try {
      const opts = { token, ...(systemId ? { systemId } : {}) } as Parameters<Api['Runners']['verify']>[0];
      const r = await this.api.Runners.verify(opts) as unknown as { id?: number } | null;
      return { valid: true, id: Number(r?.id ?? 0) };
    } catch (e) {
      if (httpStatusOf(e) === 403) return { valid: false };
      throw this.error(e, 'verifying a runner token');
    }
  }

  /** PUT /runners/:id: bring tags, run_untagged, locked, maximum_timeout back to the inventory. */
  async edit(id: number, host: RunnerHost): Promise<void> {
    await this.call(`updating runner #${id} (${host.name})`, () => this.api.Runners.edit(id, {
      description: host.description, tagList: host.tags, runUntagged: host.runUntagged, locked: host.locked,
      ...(host.maximumTimeout ? { maximumTimeout: host.maximumTimeout } : {}),
    }));
  }

  /** GET /runners/:id, or undefined when GitLab has no such runner. */
  async show(id: number): Promise<GitlabRunner | undefined> {
    try {
      return await this.api.Runners.show(id) as unknown as GitlabRunner;
    } catch (e) {
      if (httpStatusOf(e) === 404) return undefined;
      throw this.error(e, `reading runner #${id}`);
    }
  }

  /** All runners of the given projects (GET /projects/:id/runners), or every runner (GET /runners/all, admin); all pages. */
  async list(projectIds: readonly number[] | 'all'): Promise<GitlabRunner[]> {
    if (projectIds === 'all') return await this.call('listing runners (GET /runners/all needs an administrator token)', () => this.api.Runners.all({ perPage: 100 })) as unknown as GitlabRunner[];
    const seen = new Map<number, GitlabRunner>();
    for (const projectId of projectIds) {
      const page = await this.call(`listing the runners of project ${projectId}`, () => this.api.Runners.all({ projectId, perPage: 100 })) as unknown as GitlabRunner[];
      for (const r of page) seen.set(r.id, r);
    }
    return [...seen.values()];
  }

  /** DELETE /runners/:id; a runner already gone counts as removed. */
  async remove(id: number): Promise<void> {
    try {
      await this.api.Runners.remove({ runnerId: id });
    } catch (e) {
      if (httpStatusOf(e) !== 404) throw this.error(e, `deleting runner #${id}`);
    }
  }

  /** DELETE /runners with the runner's own token; false when GitLab does not know the token (403). */
  async removeByToken(token: string): Promise<boolean> {
    try {
      await this.api.Runners.remove({ token });
      return true;
    } catch (e) {
      if (httpStatusOf(e) === 403) return false;
      throw this.error(e, 'deleting a runner by its token');
    }
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw this.error(e, what);
    }
  }

  /** One line that names the cause and what to check; never a token. */
  error(e: unknown, what: string): DapError {
    const status = httpStatusOf(e);
    const body = ((e as Error).message ?? '').slice(0, 200);
    if (status === 429) {
      const after = answerHeaderOf(e, 'retry-after');
      return new UnavailableError(`GitLab at ${this.url} is rate limiting requests (HTTP 429${after ? `, Retry-After ${after} s` : ''}) while ${what}`, 'wait and run the command again, or lower --parallel');
    }
    const page = htmlErrorMessage(e, 'GitLab', what, this.url);
    if (page) return new UnavailableError(page, GITLAB_URL_HINT);
    if (status === 401) return new UnavailableError(`GitLab at ${this.url} refused the token while ${what} (HTTP 401)`, 'check GITLAB_TOKEN: it is wrong, expired or revoked');
    if (status === 403) {
      const scope = /insufficient_scope/.test(body) || /scope/.test(body);
      return new UnavailableError(`GitLab at ${this.url} refused ${what} (HTTP 403${scope ? ': the token lacks the needed scope' : ''})`,
        scope ? 'use a personal access token with the create_runner scope (manage_runner to delete, read_api to list)' : 'the token\'s user needs the right role (Maintainer of the project/group, or administrator for instance runners)');
    }
    if (status === 404) return new DapError(`GitLab at ${this.url}: not found while ${what}`, { hint: 'check project_id / group_id in the inventory' });
    if (status) return new UnavailableError(`GitLab at ${this.url} answered HTTP ${status} while ${what}${body ? `: ${body}` : ''}`);
    const code = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message ?? String(e);
    return new UnavailableError(`GitLab at ${this.url} is unreachable while ${what} (${code})`, 'check GITLAB_URL and the network');
  }
}
