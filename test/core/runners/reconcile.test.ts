import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { parse } from 'smol-toml';
import { parseInventory, quantityBytes } from '../../../src/core/runners/inventory.js';
import type { RunnerHost } from '../../../src/core/runners/inventory.js';
import { parseRunnerConfig, renderRunnerConfig, sameConfig, withDapEntry, withoutDapEntry } from '../../../src/core/runners/config-toml.js';
import { reconcile } from '../../../src/core/runners/reconcile.js';
import { helmValues } from '../../../src/core/runners/k8s-values.js';
import { formatProblem } from '../../../src/errors.js';
import { repoRoot as root } from '../../support/repo.js';

const schema = JSON.parse(readFileSync(path.join(root, 'schemas/runners.schema.json'), 'utf8')) as object;
const inventory = (source: string) => parseInventory({ file: 'infrastructure/runners.yaml', source, schema });
const hostsOf = (source: string): RunnerHost[] => {
  const r = inventory(source);
  if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.hosts;
};
const problems = (source: string) => {
  const r = inventory(source);
  return r.ok ? [] : r.problems.map((p) => `${p.line}:${p.col} ${p.message}`);
};

describe('runner inventory', () => {
  it('the shipped infrastructure/runners.yaml is valid', () => {
    const hosts = hostsOf(readFileSync(path.join(root, 'infrastructure/runners.yaml'), 'utf8'));
    expect(hosts.map((h) => h.name)).toEqual(['cpu-1', 'gpu-1']);
  });

  it('applies defaults under each host\'s own settings', () => {
    const [a, b] = hostsOf('defaults:\n  concurrent: 2\n  image: img:1\n  tags: [dap]\n  kubernetes: {namespace: ci}\nhosts:\n  a:\n    address: 10.0.0.1\n  b:\n    address: 10.0.0.2\n    concurrent: 8\n    port: 2200\n    gpus: 2\n    shm_size: 2g\n    kubernetes: {cpu_limit: "4"}\n');
    expect(a).toMatchObject({ name: 'a', description: 'dap/a', concurrent: 2, port: 22, user: 'root', tags: ['dap'], runUntagged: false, locked: true, install: 'package', runnerType: 'instance', executor: 'docker' });
    expect(b).toMatchObject({ concurrent: 8, port: 2200, gpus: 2, shmSizeBytes: 2 * 1024 ** 3, kubernetes: { namespace: 'ci', cpuLimit: '4', gpuNodeSelector: { 'nvidia.com/gpu.present': 'true' } } });
    expect(a!.kubernetes.gpuNodeSelector).toBeUndefined();
  });

  it('reports every problem at file:line:col with a code frame', () => {
    const r = inventory('hosts:\n  gpu_1:\n    address: 1.2.3.4\n    executor: dockr\n    gpus: some\n');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => `${p.file}:${p.line}:${p.col} ${p.message}`)).toEqual([
      'infrastructure/runners.yaml:2:3 "gpu_1": host names are lower-case letters, digits and dashes (at most 63), e.g. gpu-1',
      'infrastructure/runners.yaml:4:15 hosts.gpu_1.executor must be equal to one of the allowed values: "docker", "shell", "kubernetes"',
      'infrastructure/runners.yaml:5:11 gpus must be "all" or a number of GPUs',
    ]);
    expect(r.problems[1]!.frame).toContain('> 4 |     executor: dockr');
  });

  it('checks what the schema cannot: address, runner_type ids, pinned container version, executor options', () => {
    expect(problems('defaults:\n  runner_type: project\n  image: i\nhosts:\n  a:\n    port: 22\n  b:\n    address: x\n    install: container\n    executor: shell\n    image: i\n')).toEqual([
      '5:3 host a: no address (set address: HOST_OR_IP)',
      '2:16 host a: runner_type: project needs project_id',
      '9:14 host b: install: container needs runner_version (the gitlab/gitlab-runner image is pinned, e.g. runner_version: 17.5.0)',
      '2:16 host b: runner_type: project needs project_id',
      '11:12 host b: image applies to the docker executor only (this host uses shell)',
    ]);
    expect(problems('hosts:\n  a:\n    address: x\n')).toEqual(['2:3 host a: the docker executor needs a default image (image: ...)']);
    expect(problems('hosts: {}\nextra: 1\n')[0]).toMatch(/^2:1 unknown key "extra"/);
    expect(problems('- a\n')).toEqual(['1:1 the runner inventory must be a mapping with hosts: (and optionally defaults:)']);
    expect(problems('hosts:\n  a: [\n')[0]).toMatch(/^\d+:\d+ YAML syntax error/);
  });

  it('reads sizes the way docker does', () => {
    expect(quantityBytes('512m')).toBe(512 * 1024 ** 2);
    expect(quantityBytes('2g')).toBe(2 * 1024 ** 3);
    expect(quantityBytes('100')).toBe(100);
    expect(quantityBytes('2x')).toBeUndefined();
  });
});

const [docker, kube] = hostsOf('defaults:\n  concurrent: 3\n  tags: [dap]\nhosts:\n  g:\n    address: a\n    image: img:1\n    volumes: [/cache]\n    shm_size: 1g\n    pull_policy: [if-not-present, always]\n    gpus: all\n    memory: 8g\n    cpus: "4"\n  k:\n    address: b\n    executor: kubernetes\n    gpus: 1\n    kubernetes: {namespace: ml, cpu_request: "1", memory_limit: 8Gi}\n');
const creds = { id: 7, token: 'glrt-secret', url: 'https://gitlab.example.com', tokenObtainedAt: '2026-01-01T00:00:00.000Z' };

describe('config.toml merge', () => {
  it('writes dap\'s entry with gitlab-runner\'s field names, keeps everything else, sets concurrent', () => {
    const current = parse('concurrent = 10\nlog_level = "info"\n[session_server]\nsession_timeout = 1800\n[[runners]]\nname = "mine"\ntoken = "glrt-x"\nexecutor = "shell"\n') as Record<string, unknown>;
    const next = withDapEntry(current, docker!, creds);
    const text = renderRunnerConfig(next);
    const back = parse(text) as { concurrent: number; log_level: string; session_server: object; runners: Array<Record<string, unknown>> };
    expect(back.concurrent).toBe(3);
    expect(back.log_level).toBe('info');
    expect(back.session_server).toEqual({ session_timeout: 1800 });
    expect(back.runners[0]).toEqual({ name: 'mine', token: 'glrt-x', executor: 'shell' });
    expect(back.runners[1]).toMatchObject({ name: 'dap/g', url: 'https://gitlab.example.com', id: 7, token: 'glrt-secret', executor: 'docker',
      docker: { image: 'img:1', volumes: ['/cache'], shm_size: 1024 ** 3, pull_policy: ['if-not-present', 'always'], gpus: 'all', memory: '8g', cpus: '4', privileged: false, tls_verify: false } });
    expect((back.runners[1]!.token_expires_at as Date).toISOString()).toBe('0001-01-01T00:00:00.000Z');
  });

  it('the kubernetes executor gets namespace, requests/limits and the GPU node selector', () => {
    const back = parse(renderRunnerConfig(withDapEntry({}, kube!, creds))) as { runners: Array<Record<string, unknown>> };
    expect(back.runners[0]!.kubernetes).toEqual({ namespace: 'ml', cpu_request: '1', memory_limit: '8Gi', node_selector: { 'nvidia.com/gpu.present': 'true' } });
  });

  it('a second merge of the same runner is the same config (nothing to write); removal keeps the rest', () => {
    const once = parse(renderRunnerConfig(withDapEntry({ runners: [{ name: 'other' }] }, docker!, creds))) as Record<string, unknown>;
    expect(sameConfig(once, withDapEntry(once, docker!, creds))).toBe(true);
    expect(sameConfig(once, withDapEntry(once, { ...docker!, concurrent: 4 }, creds))).toBe(false);
    expect(withoutDapEntry(once, docker!).runners).toEqual([{ name: 'other' }]);
  });

  it('a file that is not TOML is a problem at its line and column', () => {
    const r = parseRunnerConfig('concurrent = 2\n[[runners]\n', 'g:/etc/gitlab-runner/config.toml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(`${r.problem.file}:${r.problem.line}:${r.problem.col}`).toBe('g:/etc/gitlab-runner/config.toml:2:11');
    expect(r.problem.message).toMatch(/^not valid TOML: /);
  });
});

describe('status reconciliation', () => {
  const cfg = (host: RunnerHost, id: number, concurrent = host.concurrent) => ({ concurrent, runners: [{ name: host.description, id, token: `glrt-${id}`, executor: host.executor }] });
  it('ok, drift, stale token, missing, unreachable and orphans', () => {
    const report = reconcile([
      { host: docker!, reachable: true, config: cfg(docker!, 1, 9), tokenKnown: true },
      { host: kube!, reachable: true, config: cfg(kube!, 2), tokenKnown: false },
    ], [
      { id: 1, description: 'dap/g', online: true, tag_list: ['dap', 'x'], run_untagged: true, contacted_at: '2026-01-01T00:00:00Z' },
      { id: 5, description: 'dap/old', online: false },
      { id: 6, description: 'someone else\'s runner' },
    ]);
    expect(report.hosts[0]).toMatchObject({ state: 'drift', drift: ['tags: gitlab [dap, x], inventory [dap]', 'run_untagged: gitlab true, inventory false', 'concurrent: config.toml 9, inventory 3'] });
    expect(report.hosts[1]).toMatchObject({ state: 'stale-token', runnerId: 2 });
    expect(report.orphans.map((o) => o.id)).toEqual([5]);
    expect(report.ok).toBe(false);
  });

  it('no orphans are claimed while a host cannot be read; an offline runner is not ok', () => {
    const report = reconcile([{ host: docker!, reachable: false, error: 'g: unreachable' }, { host: kube!, reachable: true, config: cfg(kube!, 2), tokenKnown: true }],
      [{ id: 2, description: 'dap/k', online: false, tag_list: ['dap'], run_untagged: false }, { id: 5, description: 'dap/old' }]);
    expect(report.orphans).toEqual([]);
    expect(report.hosts.map((h) => h.state)).toEqual(['unreachable', 'offline']);
  });
});

describe('Helm values for the gitlab-runner chart', () => {
  it('uses the chart\'s documented keys and a Secret reference, never a token', () => {
    const text = helmValues(kube!, 'https://gitlab.example.com');
    const values = YAML.parse(text) as { gitlabUrl: string; concurrent: number; rbac: object; runners: { secret: string; config: string } };
    expect(values.gitlabUrl).toBe('https://gitlab.example.com');
    expect(values.concurrent).toBe(3);
    expect(values.rbac).toEqual({ create: true });
    expect(values.runners.secret).toBe('dap-runner-k');
    expect(Object.keys(values)).not.toContain('runnerToken');
    expect(text).not.toMatch(/glrt-/);
    const template = parse(values.runners.config) as { runners: Array<Record<string, unknown>> };
    expect(template.runners[0]).toMatchObject({ executor: 'kubernetes', kubernetes: { namespace: 'ml', node_selector: { 'nvidia.com/gpu.present': 'true' } } });
  });
});
