import { Octokit } from '@octokit/rest';
import { UsageError } from '../../errors.js';

// One octokit client for the repository a GitLab-mirrored project lives in on GitHub:
// DAP_GITHUB_REPOSITORY (owner/name), DAP_GITHUB_TOKEN (or GITHUB_TOKEN), DAP_GITHUB_API_URL for
// GitHub Enterprise (default https://api.github.com).

export interface GithubRepo { api: Octokit; owner: string; repo: string; apiUrl: string }

export function githubFromEnv(env: NodeJS.ProcessEnv): GithubRepo | undefined {
  const full = env.DAP_GITHUB_REPOSITORY;
  if (!full) return undefined;
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(full);
  if (!m) throw new UsageError(`DAP_GITHUB_REPOSITORY=${JSON.stringify(full)} is not owner/name`, 'set it to the GitHub repository, e.g. acme/models');
  const token = env.DAP_GITHUB_TOKEN || env.GITHUB_TOKEN;
  if (!token) throw new UsageError('DAP_GITHUB_REPOSITORY is set but there is no GitHub token', 'set DAP_GITHUB_TOKEN (a token that can write pull-request comments and commit statuses) as a masked CI/CD variable');
  const apiUrl = (env.DAP_GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, '');
  // no retries or throttling plugins here: callers wrap whole idempotent steps in retryTransient
  return { api: new Octokit({ auth: token, baseUrl: apiUrl, userAgent: 'dap-report', request: { retries: 0 } }), owner: m[1]!, repo: m[2]!, apiUrl };
}
