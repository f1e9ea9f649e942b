import { LineCounter } from 'yaml';
import { parse, stringify, TomlError } from 'smol-toml';
import type { Problem } from '../../errors.js';
import { problemAt } from '../spec/document.js';
import type { RunnerHost } from './inventory.js';

// A host's gitlab-runner config.toml as data: dap owns only the [[runners]] entry named after the
// host (dap/NAME) and the top-level `concurrent`; every other key, table and runner is kept.
// Field names are gitlab-runner's own (common/config.go).

export type RunnerConfig = Record<string, unknown> & { runners?: Array<Record<string, unknown>> };

/** What GitLab told us about the runner dap created for a host. */
export interface RunnerCredentials {
  id: number;
  token: string;
  url: string;
  /** ISO time; kept from the existing entry when the token did not change */
  tokenObtainedAt: string;
  /** ISO time or undefined (never expires) */
  tokenExpiresAt?: string;
}

export type ParsedConfig = { ok: true; config: RunnerConfig } | { ok: false; problem: Problem };

/** Parse config.toml; an empty or missing file is an empty config. `file` is how the user sees it (host:path). */
export function parseRunnerConfig(text: string, file: string): ParsedConfig {
  try {
    return { ok: true, config: parse(text) as RunnerConfig };
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    const lineCounter = new LineCounter();
    const starts = [0, ...[...text.matchAll(/\n/g)].map((m) => m.index! + 1)];
    for (const s of starts) lineCounter.addNewLine(s);
    const offset = (starts[err.line - 1] ?? text.length) + Math.max(0, err.column - 1);
    const message = `not valid TOML: ${err.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '')}`;
    return { ok: false, problem: problemAt({ file, source: text, lineCounter }, Math.min(offset, text.length), message) };
  }
}

export function dapEntry(config: RunnerConfig, host: RunnerHost): Record<string, unknown> | undefined {
  return (config.runners ?? []).find((r) => r.name === host.description);
}

/** The id and token in the host's dap entry, if any (never logged: the caller keeps the token in memory). */
export function entryCredentials(entry: Record<string, unknown> | undefined): { id: number; token: string } | undefined {
  if (!entry || typeof entry.token !== 'string' || typeof entry.id !== 'number') return undefined;
  return { id: entry.id, token: entry.token };
}

/** The executor tables of a host, as gitlab-runner reads them. */
export function executorTables(host: RunnerHost): Record<string, unknown> {
  if (host.executor === 'docker') {
    const docker: Record<string, unknown> = { image: host.image, privileged: false, tls_verify: false, volumes: host.volumes };
    if (host.shmSizeBytes !== undefined) docker.shm_size = host.shmSizeBytes;
    if (host.pullPolicy.length) docker.pull_policy = host.pullPolicy;
    if (host.gpus !== undefined) docker.gpus = String(host.gpus);
    if (host.memory) docker.memory = host.memory;
    if (host.cpus) docker.cpus = host.cpus;
    return { docker };
  }
  if (host.executor === 'kubernetes') {
    const k = host.kubernetes;
    const kubernetes: Record<string, unknown> = { namespace: k.namespace };
    if (host.image) kubernetes.image = host.image;
    if (k.cpuRequest) kubernetes.cpu_request = k.cpuRequest;
    if (k.cpuLimit) kubernetes.cpu_limit = k.cpuLimit;
    if (k.memoryRequest) kubernetes.memory_request = k.memoryRequest;
    if (k.memoryLimit) kubernetes.memory_limit = k.memoryLimit;
    if (k.gpuNodeSelector) kubernetes.node_selector = { ...k.gpuNodeSelector };
    return { kubernetes };
  }
  return {};
}

/** The config with the host's dap entry (re)written and `concurrent` set; other entries untouched. */
export function withDapEntry(config: RunnerConfig, host: RunnerHost, creds: RunnerCredentials): RunnerConfig {
  const entry: Record<string, unknown> = {
    name: host.description,
    url: creds.url,
    id: creds.id,
    token: creds.token,
    token_obtained_at: new Date(creds.tokenObtainedAt),
    token_expires_at: new Date(creds.tokenExpiresAt ?? '0001-01-01T00:00:00Z'),
    executor: host.executor,
    ...executorTables(host),
  };
  const runners = [...(config.runners ?? [])];
  const at = runners.findIndex((r) => r.name === host.description);
  if (at >= 0) runners[at] = entry;
  else runners.push(entry);
  return { ...config, concurrent: host.concurrent, check_interval: config.check_interval ?? 0, runners };
}

export function withoutDapEntry(config: RunnerConfig, host: RunnerHost): RunnerConfig {
  const runners = (config.runners ?? []).filter((r) => r.name !== host.description);
  return { ...config, runners };
}

/** Same content (dates compared as instants): an unchanged file is not rewritten. */
export function sameConfig(a: RunnerConfig, b: RunnerConfig): boolean {
  return JSON.stringify(normalise(a)) === JSON.stringify(normalise(b));
}

function normalise(v: unknown): unknown {
  if (v instanceof Date) return new Date(v.getTime()).toISOString();
  if (Array.isArray(v)) return v.map(normalise);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, normalise((v as Record<string, unknown>)[k])]));
  return v;
}

export function renderRunnerConfig(config: RunnerConfig): string {
  return stringify(config) + '\n';
}
