import type { Problem } from '../../errors.js';
import { offsetOf, parseSpecDocument, problemAt } from '../spec/document.js';
import { compileSpecSchema, schemaProblems } from '../spec/schema-check.js';

// infrastructure/runners.yaml text -> resolved runner hosts (defaults merged in), or problems at
// file:line:col with a code frame. Pure: the caller reads the file and the schema.

export type Executor = 'docker' | 'shell' | 'kubernetes';
export type InstallMode = 'package' | 'container' | 'present';
export type RunnerType = 'instance' | 'group' | 'project';
export type PullPolicy = 'always' | 'if-not-present' | 'never';

/** One host as written in the file (also the shape of `defaults:`). */
export interface HostSettings {
  address?: string; user?: string; port?: number; identity_file?: string; agent?: boolean;
  install?: InstallMode; runner_version?: string;
  runner_type?: RunnerType; project_id?: number; group_id?: number;
  tags?: string[]; run_untagged?: boolean; locked?: boolean; maximum_timeout?: number;
  executor?: Executor; concurrent?: number; gpus?: 'all' | number;
  image?: string; volumes?: string[]; shm_size?: string; pull_policy?: PullPolicy | PullPolicy[];
  memory?: string; cpus?: string;
  kubernetes?: { namespace?: string; cpu_request?: string; cpu_limit?: string; memory_request?: string; memory_limit?: string; gpu_node_selector?: Record<string, string> };
}

export interface KubernetesSettings {
  namespace: string;
  cpuRequest?: string; cpuLimit?: string; memoryRequest?: string; memoryLimit?: string;
  /** node labels GPU jobs need; set only when the host has gpus */
  gpuNodeSelector?: Record<string, string>;
}

/** A host with every default applied: what the operations work with. */
export interface RunnerHost {
  name: string;
  /** the runner's description in GitLab and its name in config.toml: how dap knows its own runners */
  description: string;
  address: string; user: string; port: number; identityFile?: string; agent: boolean;
  install: InstallMode; runnerVersion?: string;
  runnerType: RunnerType; projectId?: number; groupId?: number;
  tags: string[]; runUntagged: boolean; locked: boolean; maximumTimeout?: number;
  executor: Executor; concurrent: number; gpus?: 'all' | number;
  image?: string; volumes: string[]; shmSizeBytes?: number; pullPolicy: PullPolicy[];
  memory?: string; cpus?: string;
  kubernetes: KubernetesSettings;
  /** where config.toml lives on the host */
  configDir: string;
}

export const DESCRIPTION_PREFIX = 'dap/';
export const DEFAULT_GPU_NODE_SELECTOR: Readonly<Record<string, string>> = { 'nvidia.com/gpu.present': 'true' };

export type InventoryResult = { ok: true; hosts: RunnerHost[] } | { ok: false; problems: Problem[] };

interface InventoryFile { defaults?: HostSettings; hosts: Record<string, HostSettings> }

export function parseInventory(input: { file: string; source: string; schema: object }): InventoryResult {
  const { doc, problems } = parseSpecDocument({ file: input.file, source: input.source });
  if (doc.fatal) return { ok: false, problems };
  const data = doc.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, problems: [...problems, problemAt(doc, offsetOf(doc, []), 'the runner inventory must be a mapping with hosts: (and optionally defaults:)')] };
  }
  problems.push(...schemaProblems(doc, compileSpecSchema(input.schema)));
  if (problems.length) return { ok: false, problems };
  const inv = data as InventoryFile;
  const hosts: RunnerHost[] = [];
  for (const [name, own] of Object.entries(inv.hosts)) {
    const merged: HostSettings = { ...inv.defaults, ...own, kubernetes: { ...inv.defaults?.kubernetes, ...own.kubernetes } };
    const where = (key: keyof HostSettings) => (key in own ? ['hosts', name, key] : inv.defaults && key in inv.defaults ? ['defaults', key] : ['hosts', name]);
    const at = (key: keyof HostSettings, message: string) => problems.push(problemAt(doc, offsetOf(doc, where(key), key in own || (inv.defaults && key in inv.defaults) ? 'value' : 'key'), `host ${name}: ${message}`));
    if (!merged.address) problems.push(problemAt(doc, offsetOf(doc, ['hosts', name], 'key'), `host ${name}: no address (set address: HOST_OR_IP)`));
    const install = merged.install ?? 'package';
    if (install === 'container' && !merged.runner_version) at('install', 'install: container needs runner_version (the gitlab/gitlab-runner image is pinned, e.g. runner_version: 17.5.0)');
    const runnerType = merged.runner_type ?? 'instance';
    if (runnerType === 'project' && !merged.project_id) at('runner_type', 'runner_type: project needs project_id');
    if (runnerType === 'group' && !merged.group_id) at('runner_type', 'runner_type: group needs group_id');
    const executor = merged.executor ?? 'docker';
    if (executor !== 'docker') {
      for (const key of ['image', 'volumes', 'shm_size', 'pull_policy'] as const) {
        if (key in own) at(key, `${key} applies to the docker executor only (this host uses ${executor})`);
      }
    }
    if (executor === 'docker' && !merged.image) at('executor', 'the docker executor needs a default image (image: ...)');
    if (merged.shm_size !== undefined && quantityBytes(merged.shm_size) === undefined) at('shm_size', `shm_size "${merged.shm_size}" is not a size (use e.g. 2g or 512m)`);
    if (!merged.address) continue;
    hosts.push(resolveHost(name, merged, install, runnerType, executor));
  }
  return problems.length ? { ok: false, problems } : { ok: true, hosts };
}

function resolveHost(name: string, s: HostSettings, install: InstallMode, runnerType: RunnerType, executor: Executor): RunnerHost {
  const k = s.kubernetes ?? {};
  const pull = s.pull_policy === undefined ? [] : Array.isArray(s.pull_policy) ? s.pull_policy : [s.pull_policy];
  return {
    name, description: `${DESCRIPTION_PREFIX}${name}`,
    address: s.address!, user: s.user ?? 'root', port: s.port ?? 22, identityFile: s.identity_file, agent: s.agent ?? !s.identity_file,
    install, runnerVersion: s.runner_version?.replace(/^v/, ''),
    runnerType, projectId: s.project_id, groupId: s.group_id,
    tags: s.tags ?? [], runUntagged: s.run_untagged ?? false, locked: s.locked ?? true, maximumTimeout: s.maximum_timeout,
    executor, concurrent: s.concurrent ?? 1, gpus: s.gpus,
    image: s.image, volumes: s.volumes ?? [], shmSizeBytes: s.shm_size === undefined ? undefined : quantityBytes(s.shm_size), pullPolicy: pull,
    memory: s.memory, cpus: s.cpus,
    kubernetes: {
      namespace: k.namespace ?? 'default', cpuRequest: k.cpu_request, cpuLimit: k.cpu_limit, memoryRequest: k.memory_request, memoryLimit: k.memory_limit,
      gpuNodeSelector: s.gpus !== undefined ? (k.gpu_node_selector ?? { ...DEFAULT_GPU_NODE_SELECTOR }) : undefined,
    },
    configDir: install === 'container' ? '/srv/gitlab-runner/config' : '/etc/gitlab-runner',
  };
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

/** "2g" -> bytes (Docker's binary units, as `docker run --shm-size`). */
export function quantityBytes(q: string): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)?)([a-zA-Z]{0,2})$/.exec(q);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  return m && unit ? Math.round(Number(m[1]) * unit) : undefined;
}

/** The hosts named on the command line (all when none), or the names nobody declared. */
export function selectHosts(hosts: readonly RunnerHost[], names: readonly string[]): { hosts: RunnerHost[]; unknown: string[] } {
  if (!names.length) return { hosts: [...hosts], unknown: [] };
  const unknown = names.filter((n) => !hosts.some((h) => h.name === n));
  return { hosts: hosts.filter((h) => names.includes(h.name)), unknown };
}
