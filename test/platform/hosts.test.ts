import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, mustRun, playbook, type PlaybookRun, run, tmpDir } from './helpers.js';

// The playbook over real SSH against Debian containers running sshd and no systemd: a runner
// host and a dev host, each with its own dockerd (started by the docker role through Debian's
// init script, no --privileged: the capability recipe of MACHINE-NOTES), plus a host that does
// not answer. The others finish; a second converge changes nothing.

const RUNNER = 'dap-t12-host-runner';
const DEV = 'dap-t12-host-dev';
let dir = '';
let key = '';
let inventory = '';
let ports: Record<string, number> = {};
let first: PlaybookRun;

const sh = (ctr: string, script: string) => run(['docker', 'exec', ctr, 'sh', '-c', script]);
const vars = () => ({
  runner_install: 'present',
  runner_inventory: path.join(dir, 'runners.yaml'),
  dev_host_authorized_keys: [fs.readFileSync(`${key}.pub`, 'utf8').trim()],
});

async function startHost(name: string, image: string): Promise<number> {
  await run(['docker', 'rm', '-f', name]);
  const port = await freePort();
  await mustRun(['docker', 'run', '-d', '--name', name, '--hostname', name,
    '--cap-add', 'SYS_ADMIN', '--cap-add', 'NET_ADMIN', '--security-opt', 'seccomp=unconfined', '--security-opt', 'apparmor=unconfined',
    '-v', '/sys/fs/cgroup:/sys/fs/cgroup:rw', '-v', `${key}.pub:/authorized_keys:ro`,
    '-p', `127.0.0.1:${port}:22`, image]);
  return port;
}

beforeAll(async () => {
  const out = await mustRun(['bash', 'scripts/platform-images.sh', 'host'], { timeoutMs: 900_000 });
  const image = /DAP_TEST_HOST_IMAGE=(\S+)/.exec(out)![1]!;
  dir = tmpDir('hosts');
  key = path.join(dir, 'id_ed25519');
  await mustRun(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', key]);
  ports = { [RUNNER]: await startHost(RUNNER, image), [DEV]: await startHost(DEV, image), ghost: await freePort() };
  // a daemon.json the admin wrote before us: its keys must survive the merge
  for (let i = 0; i < 50 && (await sh(RUNNER, 'test -d /etc/docker')).code !== 0; i++) await new Promise((r) => setTimeout(r, 200));
  await mustRun(['docker', 'exec', RUNNER, 'sh', '-c', 'echo \'{"storage-driver": "vfs", "debug": false}\' > /etc/docker/daemon.json']);
  const host = (port: number) => ({
    ansible_host: '127.0.0.1', ansible_port: port, ansible_user: 'root', ansible_ssh_private_key_file: key,
    ansible_python_interpreter: '/usr/bin/python3',
    ansible_ssh_common_args: '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5',
  });
  // a runner inventory that describes another host only: registration is skipped, saying why
  fs.writeFileSync(path.join(dir, 'runners.yaml'), stringify({ hosts: { 'other-host': { address: '10.0.0.9' } } }));
  inventory = path.join(dir, 'inventory.yml');
  fs.writeFileSync(inventory, stringify({
    all: {
      children: {
        service_hosts: { hosts: {} },
        runner_hosts: { hosts: { [RUNNER]: host(ports[RUNNER]!) } },
        dev_hosts: { hosts: { [DEV]: host(ports[DEV]!), 'dap-t12-ghost': host(ports.ghost!) } },
      },
    },
  }));
  // sshd needs a moment after the container starts
  for (const name of [RUNNER, DEV]) {
    for (let i = 0; i < 50; i++) {
      const r = await run(['ssh', '-i', key, '-p', String(ports[name]), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', 'root@127.0.0.1', 'true']);
      if (r.code === 0) break;
      await new Promise((r2) => setTimeout(r2, 200));
    }
  }
  first = await playbook({ inventory, vars: vars() });
}, 1_200_000);

afterAll(async () => {
  await run(['docker', 'rm', '-f', RUNNER, DEV]);
});

describe('converging runner and dev hosts over SSH', { timeout: 600_000 }, () => {
  it('finishes the hosts that answer when one does not', () => {
    expect(first.recap['dap-t12-ghost']).toMatchObject({ unreachable: 1 });
    expect(first.recap[RUNNER], first.stdout.slice(-4000)).toMatchObject({ failed: 0, unreachable: 0 });
    expect(first.recap[DEV], first.stdout.slice(-4000)).toMatchObject({ failed: 0, unreachable: 0 });
    expect(first.code).not.toBe(0); // the run as a whole reports the unreachable host
    expect(first.stdout).toMatch(/dap-t12-ghost.*UNREACHABLE!/);
  });

  it('starts each host\'s own dockerd without systemd', async () => {
    for (const ctr of [RUNNER, DEV]) {
      const r = await sh(ctr, "docker info --format '{{.ServerVersion}} {{.LoggingDriver}}'");
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toMatch(/^20\.10\.\d+\S* json-file$/);
    }
  });

  it('merges daemon.json, keeping what the admin had', async () => {
    const text = (await mustRun(['docker', 'exec', RUNNER, 'cat', '/etc/docker/daemon.json']));
    expect(JSON.parse(text)).toEqual({ 'storage-driver': 'vfs', debug: false, 'log-driver': 'json-file', 'log-opts': { 'max-size': '10m', 'max-file': '5' } });
  });

  it('hands registration to dap runners, and says why it skips a host that runners.yaml does not describe', () => {
    expect(first.stdout).toContain(`skipped registering ${RUNNER}: it is not under hosts: in ${path.join(dir, 'runners.yaml')}`);
  });

  it('gives the dev host the SSH access dap env needs: a user that reaches the engine', async () => {
    const r = await run(['ssh', '-i', key, '-p', String(ports[DEV]), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes',
      'dap@127.0.0.1', 'docker', 'version', '--format', '{{.Server.Version}}']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^20\.10\./);
  });

  it('reports changed=0 on the second converge', async () => {
    const again = await playbook({ inventory, vars: vars() });
    expect(again.recap[RUNNER], again.stdout.slice(-4000)).toMatchObject({ changed: 0, failed: 0 });
    expect(again.recap[DEV], again.stdout.slice(-4000)).toMatchObject({ changed: 0, failed: 0 });
  }, 900_000);
});
