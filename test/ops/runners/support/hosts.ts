import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs, readFileSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Runner hosts for the `dap runners` tests and bench: real OpenSSH servers in containers from the
// debootstrap base image, on a docker network of their own. Each runs the gitlab-runner test
// double (test/ops/runners/double/) with the host's node mounted read-only; the fake GitLab listens
// on the network's gateway address so the hosts reach it and nothing else does.

import { repoRoot } from '../../../support/repo.js';

export { repoRoot };
const DOCKERFILE = path.join(import.meta.dirname, 'runner-host.Dockerfile');
const DOUBLE = path.join(repoRoot, 'test/ops/runners/double/gitlab-runner-double.mjs');
export const HOST_KEY = '/etc/ssh/ssh_host_ed25519_key';
const STATUS_FAST_PATH = 'if [ "$1" = status ]; then if kill -0 "$(cat /run/gitlab-runner-double.pid 2>/dev/null)" 2>/dev/null; then echo "gitlab-runner: Service is running"; exit 0; fi; echo "gitlab-runner: Service is not running."; exit 1; fi';
const SMOL_TOML = path.dirname(realpathSync(path.join(repoRoot, 'node_modules/smol-toml/package.json')));

export function docker(args: string[], input?: string): string {
  return execFileSync('docker', args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] }).trim();
}

/** The host image, built once per Dockerfile content (apt needs the package mirror, as env builds do). */
export function runnerHostImage(): string {
  const text = readFileSync(DOCKERFILE, 'utf8');
  const tag = `dap-test/runner-host:${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
  try {
    docker(['image', 'inspect', tag]);
    return tag;
  } catch { /* build it */ }
  try {
    docker(['image', 'inspect', 'local/debian:bookworm']);
  } catch {
    throw new Error('base image local/debian:bookworm missing: run `scripts/docker.sh base-image` (make test does)');
  }
  // `-` as the context: the Dockerfile from stdin and no context at all (it copies nothing)
  execFileSync('docker', ['build', '-q', '-t', tag, '-'], { input: text, stdio: ['pipe', 'ignore', 'inherit'] });
  return tag;
}

export interface RunnerHostLab {
  network: string;
  gateway: string;
  hosts: Array<{ name: string; container: string; ip: string }>;
  home: string;
  identityFile: string;
  /** inventory YAML for the hosts (extra host entries appended verbatim) */
  inventory: (extra?: string, defaults?: string) => string;
  exec: (host: string, script: string) => string;
  stop: () => Promise<void>;
}

/** `count` hosts h1…hN; `prefix` names the network and containers (unique per run). */
export async function startRunnerHosts(count: number, prefix = `dap-t8-runners-${process.pid}`): Promise<RunnerHostLab> {
  const image = runnerHostImage();
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'dap-runners-test-'));
  await fs.mkdir(path.join(home, '.ssh'), { mode: 0o700 });
  const identityFile = path.join(home, '.ssh', 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', identityFile]);
  await fs.chmod(`${identityFile}.pub`, 0o644);
  const network = prefix;
  docker(['network', 'create', '--label', 'dap.test=runners', network]);
  const gateway = JSON.parse(docker(['network', 'inspect', network, '--format', '{{json .IPAM.Config}}']))[0].Gateway as string;
  const node = realpathSync(process.execPath);
  const boot = [
    // one ed25519 host key (rsa generation for ten containers at once would take long on two cores)
    `ssh-keygen -q -t ed25519 -N '' -f ${HOST_KEY}`,
    // `status` answers from the pid file, as fast as the real (Go) binary's; the rest is the Node double
    `printf '%s\\n' '#!/bin/sh' '${STATUS_FAST_PATH}' 'exec node /opt/double/gitlab-runner-double.mjs "$@"' > /usr/local/bin/gitlab-runner && chmod 755 /usr/local/bin/gitlab-runner`,
    'exec /usr/sbin/sshd -D -e',
  ].join(' && ');
  const hosts = await Promise.all(Array.from({ length: count }, async (_, i) => {
    const name = `h${i + 1}`;
    const container = `${prefix}-${name}`;
    docker(['run', '-d', '--name', container, '--hostname', name, '--network', network, '--label', 'dap.test=runners',
      '-v', `${node}:/usr/local/bin/node:ro`, '-v', `${DOUBLE}:/opt/double/gitlab-runner-double.mjs:ro`,
      '-v', `${SMOL_TOML}:/opt/double/node_modules/smol-toml:ro`, '-v', `${identityFile}.pub:/root/.ssh/authorized_keys:ro`,
      image, 'sh', '-c', boot]);
    const ip = docker(['inspect', container, '--format', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`]);
    return { name, container, ip };
  }));
  await Promise.all(hosts.map((h) => waitForSsh(h.ip)));
  const exec = (host: string, script: string) => docker(['exec', hosts.find((h) => h.name === host)!.container, 'sh', '-c', script]);
  return {
    network, gateway, hosts, home, identityFile, exec,
    inventory: (extra = '', defaults = '') => [
      'defaults:',
      '  user: root',
      `  identity_file: ${identityFile}`,
      '  install: present',
      '  runner_type: instance',
      '  executor: docker',
      '  image: local/debian:bookworm',
      '  concurrent: 2',
      '  tags: [dap, test]',
      defaults,
      'hosts:',
      ...hosts.map((h) => `  ${h.name}:\n    address: ${h.ip}`),
      extra,
    ].filter(Boolean).join('\n') + '\n',
    stop: async () => {
      try { docker(['rm', '-f', ...hosts.map((h) => h.container)]); } catch { /* gone */ }
      try { docker(['network', 'rm', network]); } catch { /* gone */ }
      await fs.rm(home, { recursive: true, force: true });
    },
  };
}

async function waitForSsh(ip: string): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(22, ip);
      s.once('data', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
      setTimeout(() => { s.destroy(); resolve(false); }, 500);
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`sshd on ${ip}:22 did not answer`);
}

export interface DapRun { code: number; stdout: string; stderr: string; ms: number }

/** `dap ARGS` as its own process (several may run at once); `argv` replaces the whole command line. */
export function runDap(args: string[], env: NodeJS.ProcessEnv, cwd: string, argv = [process.execPath, path.join(repoRoot, 'dist/cli/bin.js'), ...args]): Promise<DapRun> {
  const t = performance.now();
  return new Promise((resolve) => {
    const p = spawn(argv[0]!, argv.slice(1), { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    p.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, ms: performance.now() - t }));
  });
}
