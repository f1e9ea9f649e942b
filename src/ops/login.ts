// `dap login`: GitLab URL + token and MLflow URI + credentials, each checked against the live
// service before anything is written, then saved to $XDG_CONFIG_HOME/dap/config.toml (0600).
// `--status` shows what is configured (secrets masked) and which environment variables win.

import fs from 'node:fs';
import { CONFIG_ENV, describeConfig, type DapConfig } from '../core/config.js';
import { DapError, UnavailableError, UsageError } from '../errors.js';
import { API_SCOPES, gitlabApi, projectInfo, tokenInfo } from './probes/gitlab.js';
import { probeMlflow, probeTransport } from './probes/mlflow.js';
import { configPath, readConfig, writeConfig } from './config-file.js';

export interface LoginInput {
  gitlabUrl?: string;
  gitlabToken?: string;
  gitlabProject?: string;
  mlflowUri?: string;
  mlflowUsername?: string;
  mlflowPassword?: string;
  mlflowToken?: string;
}

export interface LoginResult { file: string; checked: string[] }

function url(raw: string, what: string): string {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new UsageError(`${what} ${JSON.stringify(raw)} is not a URL`, 'use http(s)://host[:port]');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`${what} must be http(s)://…, got ${u.protocol}`);
  if (u.username || u.password) throw new UsageError(`${what} must not contain user:password@`, 'give the credentials separately: they are stored masked, never in a URL');
  return u.toString().replace(/\/+$/, '');
}

async function checkGitlab(host: string, token: string, project: string | undefined, timeoutMs: number): Promise<string> {
  const api = gitlabApi(host, token, timeoutMs);
  const t = await tokenInfo(api, host).catch((e: DapError) => {
    const hint = /refused the token/.test(e.message) ? `the token is wrong, expired or revoked: create one with the api scope at ${host}/-/user_settings/personal_access_tokens` : e.hint;
    throw new UnavailableError(`GitLab login failed: ${e.message}`, hint);
  });
  if (!t.scopes.some((s) => API_SCOPES.includes(s))) {
    throw new DapError(`the GitLab token "${t.name}" has scopes ${t.scopes.join(', ') || '(none)'}; dap needs api or read_api`, {
      hint: `create a token with the api scope at ${host}/-/user_settings/personal_access_tokens and run dap login again`,
    });
  }
  let detail = `GitLab ${host}: token "${t.name}" (${t.scopes.join(', ')})`;
  if (project) {
    const p = await projectInfo(api, host, project).catch((e: DapError) => {
      throw new DapError(`GitLab project ${project}: ${e.message}`, { hint: 'check the project path (group/name) and that the token can see it' });
    });
    detail += `, project ${p.path}`;
  }
  return detail;
}

async function checkMlflow(uri: string, creds: Pick<LoginInput, 'mlflowUsername' | 'mlflowPassword' | 'mlflowToken'>, timeoutMs: number): Promise<string> {
  const env: NodeJS.ProcessEnv = { MLFLOW_TRACKING_USERNAME: creds.mlflowUsername, MLFLOW_TRACKING_PASSWORD: creds.mlflowPassword, MLFLOW_TRACKING_TOKEN: creds.mlflowToken };
  const p = await probeMlflow(probeTransport(uri, env, timeoutMs));
  if (!p.ok) throw new UnavailableError(`MLflow login failed: ${p.detail}`, p.hint);
  return `MLflow ${uri}: ${creds.mlflowUsername ? `user ${creds.mlflowUsername}` : creds.mlflowToken ? 'token' : 'no credentials needed'}, accepted`;
}

export async function loginOp(input: LoginInput, opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<LoginResult> {
  const env = opts.env ?? process.env;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  if (!input.gitlabUrl && !input.mlflowUri) throw new UsageError('nothing to log in to', 'pass --gitlab-url and/or --mlflow-uri (or run dap login in a terminal to be asked)');
  if (input.gitlabProject && !input.gitlabUrl) throw new UsageError('--gitlab-project needs --gitlab-url');
  if (input.mlflowPassword && !input.mlflowUsername) throw new UsageError('an MLflow password needs a username', 'pass --mlflow-username');
  if (input.mlflowUsername && !input.mlflowPassword) throw new UsageError(`no password for MLflow user ${input.mlflowUsername}`, 'give it on stdin with --mlflow-password-stdin (or answer the prompt)');
  const file = configPath(env);
  const current = readConfig(file) ?? {};
  const next: DapConfig = { ...current };
  const checked: string[] = [];
  // both are checked before anything is written: a bad second half leaves the file as it was
  if (input.gitlabUrl) {
    const host = url(input.gitlabUrl, 'the GitLab URL');
    if (!input.gitlabToken) throw new UsageError('no GitLab token', 'pipe it in with --with-token (or answer the prompt)');
    checked.push(await checkGitlab(host, input.gitlabToken.trim(), input.gitlabProject, timeoutMs));
    next.gitlab = { url: host, token: input.gitlabToken.trim(), project: input.gitlabProject ?? (current.gitlab?.url === host ? current.gitlab?.project : undefined) };
  }
  if (input.mlflowUri) {
    const uri = url(input.mlflowUri, 'the MLflow URI');
    checked.push(await checkMlflow(uri, input, timeoutMs));
    next.mlflow = { tracking_uri: uri, username: input.mlflowUsername, password: input.mlflowPassword, token: input.mlflowToken };
  }
  await writeConfig(file, next);
  return { file, checked };
}

export interface LoginStatus {
  file: string;
  exists: boolean;
  mode?: string;
  entries: Array<{ key: string; value: string; overriddenBy?: string }>;
}

export function loginStatus(env: NodeJS.ProcessEnv = process.env): LoginStatus {
  const file = configPath(env);
  const config = readConfig(file);
  if (!config) return { file, exists: false, entries: [] };
  const mode = (fs.statSync(file).mode & 0o777).toString(8).padStart(4, '0');
  const entries = describeConfig(config).map((e) => {
    const name = CONFIG_ENV.find((c) => `${c.section}.${c.key}` === e.key)!.env;
    return env[name] ? { ...e, overriddenBy: name } : e;
  });
  return { file, exists: true, mode, entries };
}
