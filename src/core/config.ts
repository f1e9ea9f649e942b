// The user's dap configuration ($XDG_CONFIG_HOME/dap/config.toml, written by `dap login`): parsed
// and checked here (pure), read and written by src/ops/config-file.ts. Environment variables win
// over the file; the file's credentials are only used for the server the file names, so an
// overridden URL never receives the file's secret.

import { parse, stringify, TomlError } from 'smol-toml';
import type { Problem } from '../errors.js';

export interface DapConfig {
  gitlab?: { url?: string; token?: string; project?: string };
  mlflow?: { tracking_uri?: string; username?: string; password?: string; token?: string };
}

const KEYS: Record<keyof DapConfig, readonly string[]> = {
  gitlab: ['url', 'token', 'project'],
  mlflow: ['tracking_uri', 'username', 'password', 'token'],
};
const SECRET_KEYS = new Set(['token', 'password']);

/** config key → the environment variable it stands for */
export const CONFIG_ENV: ReadonlyArray<{ section: keyof DapConfig; key: string; env: string }> = [
  { section: 'gitlab', key: 'url', env: 'GITLAB_URL' },
  { section: 'gitlab', key: 'token', env: 'GITLAB_TOKEN' },
  { section: 'gitlab', key: 'project', env: 'GITLAB_PROJECT' },
  { section: 'mlflow', key: 'tracking_uri', env: 'MLFLOW_TRACKING_URI' },
  { section: 'mlflow', key: 'username', env: 'MLFLOW_TRACKING_USERNAME' },
  { section: 'mlflow', key: 'password', env: 'MLFLOW_TRACKING_PASSWORD' },
  { section: 'mlflow', key: 'token', env: 'MLFLOW_TRACKING_TOKEN' },
];

export type ParsedConfig = { config: DapConfig; problems: [] } | { config?: undefined; problems: Problem[] };

function locate(text: string, key: string): { line: number; col: number } {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => new RegExp(`^\\s*\\[?\\s*"?${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?\\s*[=\\]]`).test(l));
  return i < 0 ? { line: 1, col: 1 } : { line: i + 1, col: lines[i]!.search(/\S/) + 1 };
}

export function parseConfig(text: string, file: string): ParsedConfig {
  let raw: Record<string, unknown>;
  try {
    raw = parse(text) as Record<string, unknown>;
  } catch (e) {
    const te = e as TomlError;
    const msg = String(te.message ?? e).split('\n')[0]!;
    return { problems: [{ file, line: te.line ?? 1, col: te.column ?? 1, message: `not valid TOML: ${msg}` }] };
  }
  const problems: Problem[] = [];
  const config: DapConfig = {};
  for (const [section, value] of Object.entries(raw)) {
    if (!(section in KEYS)) {
      problems.push({ file, ...locate(text, section), message: `unknown section [${section}] (known: ${Object.keys(KEYS).join(', ')})` });
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push({ file, ...locate(text, section), message: `${section} must be a table ([${section}])` });
      continue;
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) {
      const allowed = KEYS[section as keyof DapConfig];
      if (!allowed.includes(k)) problems.push({ file, ...locate(text, k), message: `unknown key ${section}.${k} (known: ${allowed.join(', ')})` });
      else if (typeof v !== 'string') problems.push({ file, ...locate(text, k), message: `${section}.${k} must be a string` });
      else out[k] = v;
    }
    (config as Record<string, unknown>)[section] = out;
  }
  for (const [section, key] of [['gitlab', 'url'], ['mlflow', 'tracking_uri']] as const) {
    const v = (config[section] as Record<string, string> | undefined)?.[key];
    if (v !== undefined && !/^https?:\/\/[^\s/]+/.test(v)) problems.push({ file, ...locate(text, key), message: `${section}.${key} must be an http(s):// URL, got ${JSON.stringify(v)}` });
  }
  return problems.length ? { problems } : { config, problems: [] };
}

export function stringifyConfig(config: DapConfig): string {
  const clean: Record<string, Record<string, string>> = {};
  for (const [section, values] of Object.entries(config)) {
    const kept = Object.fromEntries(Object.entries(values ?? {}).filter(([, v]) => typeof v === 'string' && v !== ''));
    if (Object.keys(kept).length) clean[section] = kept as Record<string, string>;
  }
  return `# written by \`dap login\`; environment variables override these values\n${stringify(clean)}\n`;
}

const sameServer = (a: string | undefined, b: string | undefined) => !!a && !!b && a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
const set = (v: string | undefined) => v !== undefined && v !== '';

/**
 * The environment with the file's values filled in where the environment has none. Credentials
 * come as a whole from one place: when the environment holds any credential of a section, or
 * points that section at another server, the file's credentials for it are left out.
 */
export function envWithConfig(env: NodeJS.ProcessEnv, config: DapConfig): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  const g = config.gitlab ?? {};
  const m = config.mlflow ?? {};
  const gitlabUrl = set(env.GITLAB_URL) ? env.GITLAB_URL : set(env.CI_SERVER_URL) ? env.CI_SERVER_URL : g.url;
  if (!set(env.GITLAB_URL) && !set(env.CI_SERVER_URL) && g.url) out.GITLAB_URL = g.url;
  if (!set(env.GITLAB_PROJECT) && g.project) out.GITLAB_PROJECT = g.project;
  if (!set(env.GITLAB_TOKEN) && !set(env.CI_JOB_TOKEN) && g.token && sameServer(gitlabUrl, g.url)) out.GITLAB_TOKEN = g.token;
  const mlflowUri = set(env.MLFLOW_TRACKING_URI) ? env.MLFLOW_TRACKING_URI : m.tracking_uri;
  if (!set(env.MLFLOW_TRACKING_URI) && m.tracking_uri) out.MLFLOW_TRACKING_URI = m.tracking_uri;
  const envCreds = set(env.MLFLOW_TRACKING_USERNAME) || set(env.MLFLOW_TRACKING_PASSWORD) || set(env.MLFLOW_TRACKING_TOKEN);
  if (!envCreds && sameServer(mlflowUri, m.tracking_uri)) {
    if (m.username) out.MLFLOW_TRACKING_USERNAME = m.username;
    if (m.password) out.MLFLOW_TRACKING_PASSWORD = m.password;
    if (m.token) out.MLFLOW_TRACKING_TOKEN = m.token;
  }
  return out;
}

/** "glpat-abcdef…" → "glpa…cdef" (enough to recognise, not to use). */
export function maskSecret(v: string): string {
  if (v.length <= 8) return '*'.repeat(v.length);
  return `${v.slice(0, 4)}${'*'.repeat(Math.min(12, v.length - 8))}${v.slice(-4)}`;
}

/** Section/key/value rows with secrets masked, for `dap login --status`. */
export function describeConfig(config: DapConfig): Array<{ key: string; value: string }> {
  const out: Array<{ key: string; value: string }> = [];
  for (const { section, key } of CONFIG_ENV) {
    const v = (config[section] as Record<string, string> | undefined)?.[key];
    if (v) out.push({ key: `${section}.${key}`, value: SECRET_KEYS.has(key) ? maskSecret(v) : v });
  }
  return out;
}
