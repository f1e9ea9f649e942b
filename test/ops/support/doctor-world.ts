// Everything `dap doctor` looks at, for real and of the test's own: a dedicated services stack, the
// fake GitLab (with the doctor's routes), a real docker-registry, this machine's sshd on a loopback
// port (a "host" with Docker), an HTTPS endpoint with a certificate made by openssl, and an
// inventory naming the host and a runner. Each part can be stopped and started again.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { closedPort } from '../../support/fault-proxy.js';
import { doctorRoutes, type DoctorFakeState } from '../../fakes/gitlab-doctor-routes.js';
import { startFakeGitlab, type FakeGitlab } from '../../fakes/gitlab-server.js';
import { startDedicatedStack, type DedicatedStack } from './dedicated-stack.js';

export const ADMIN_TOKEN = 'glpat-doctor-admin-0123456789';
export const PROJECT = 'ml/vision';

async function waitPort(port: number, up = true): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => { s.end(); r(true); }).on('error', () => r(false));
    });
    if (open === up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} did not ${up ? 'open' : 'close'}`);
}

/** Restartable on the same port (the fake GitLab, the registry, sshd, the TLS endpoint). */
export interface Part { stop(): Promise<void>; start(): Promise<void> }

export interface DoctorWorld {
  stack: DedicatedStack;
  gitlab: Part & { url: string; state: DoctorFakeState };
  registry: Part;
  sshd: Part;
  tls: Part & { port: number };
  dir: string;
  /** environment for `dap doctor` */
  env: Record<string, string>;
  destroy(): Promise<void>;
}

function daemon(argv: string[], port: number): Part {
  let child: ChildProcess | undefined;
  return {
    async start() {
      child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
      await waitPort(port);
    },
    async stop() {
      child?.kill('SIGTERM');
      await waitPort(port, false);
    },
  };
}

export async function startDoctorWorld(): Promise<DoctorWorld> {
  const stack = await startDedicatedStack('doctor');
  const dir = path.join(stack.state, 'world');
  fs.mkdirSync(dir, { recursive: true });

  // the registry the project's container_registry_image_prefix points at
  const regPort = await closedPort();
  fs.writeFileSync(path.join(dir, 'registry.yml'), `version: 0.1\nstorage: {filesystem: {rootdirectory: ${dir}/registry}}\nhttp: {addr: 127.0.0.1:${regPort}}\n`);
  const registry = daemon(['docker-registry', 'serve', path.join(dir, 'registry.yml')], regPort);
  await registry.start();

  // GitLab
  const state: DoctorFakeState = {
    tokens: { [ADMIN_TOKEN]: { name: 'doctor', scopes: ['api'], expires_at: null, admin: true } },
    projects: [{ id: 7, path: PROJECT, registryPrefix: `127.0.0.1:${regPort}/${PROJECT}` }],
    runners: [{ id: 11, description: 'dap/gpu1', contacted_at: new Date().toISOString() }],
  };
  let fake: FakeGitlab | undefined;
  const glPort = await closedPort();
  const gitlab = {
    url: `http://127.0.0.1:${glPort}`, state,
    async start() {
      fake = await startFakeGitlab({ projects: [], tokens: [ADMIN_TOKEN], routes: [doctorRoutes(state)], port: glPort });
    },
    async stop() { await fake?.close(); },
  };
  await gitlab.start();

  // a host: this machine's sshd on a loopback port, only the test's key authorized
  const sshPort = await closedPort();
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'id_ed25519')]);
  fs.copyFileSync(path.join(dir, 'id_ed25519.pub'), path.join(dir, 'authorized_keys'));
  const user = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
  fs.writeFileSync(path.join(dir, 'sshd_config'), [
    `ListenAddress 127.0.0.1:${sshPort}`, `HostKey ${dir}/host_key`, `AuthorizedKeysFile ${dir}/authorized_keys`,
    'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'PermitRootLogin prohibit-password', 'UsePAM no',
    'StrictModes no', `PidFile ${dir}/sshd.pid`, `AllowUsers ${user}`, '',
  ].join('\n'));
  fs.mkdirSync('/run/sshd', { recursive: true });
  const sshd = daemon(['/usr/sbin/sshd', '-D', '-e', '-f', path.join(dir, 'sshd_config')], sshPort);
  await sshd.start();
  const hostPub = fs.readFileSync(path.join(dir, 'host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
  fs.writeFileSync(path.join(dir, 'known_hosts'), `[127.0.0.1]:${sshPort} ${hostPub}\n`);

  // an HTTPS endpoint with a certificate this test's CA file trusts, 90 days left
  const tlsPort = await closedPort();
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '90', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'tls.key'), '-out', path.join(dir, 'tls.crt')], { stdio: 'ignore' });
  let server: https.Server | undefined;
  const tls = {
    port: tlsPort,
    async start() {
      server = https.createServer({ key: fs.readFileSync(path.join(dir, 'tls.key')), cert: fs.readFileSync(path.join(dir, 'tls.crt')) }, (_q, s) => s.end('ok'));
      await new Promise<void>((r) => server!.listen(tlsPort, '127.0.0.1', r));
    },
    async stop() { await new Promise<void>((r) => server!.close(() => r())); },
  };
  await tls.start();

  // the inventory of `dap runners`: the host is also a runner, registered in GitLab as dap/<name>
  fs.writeFileSync(path.join(dir, 'runners.yaml'), `hosts:\n  gpu1:\n    address: 127.0.0.1\n    port: ${sshPort}\n    user: ${user}\n    executor: shell\n`);
  fs.mkdirSync(path.join(dir, 'config'), { recursive: true });
  const env = {
    GITLAB_URL: gitlab.url, GITLAB_TOKEN: ADMIN_TOKEN, GITLAB_PROJECT: PROJECT,
    MLFLOW_TRACKING_URI: stack.mlflowUri,
    DAP_INVENTORY: path.join(dir, 'runners.yaml'),
    DAP_SSH_IDENTITY: path.join(dir, 'id_ed25519'), DAP_SSH_KNOWN_HOSTS: path.join(dir, 'known_hosts'),
    DAP_DOCTOR_TLS: `127.0.0.1:${tlsPort}`, NODE_EXTRA_CA_CERTS: path.join(dir, 'tls.crt'),
    XDG_CONFIG_HOME: path.join(dir, 'config'),
  };
  return {
    stack, gitlab, registry, sshd, tls, dir, env,
    async destroy() {
      for (const p of [gitlab, registry, sshd, tls]) await p.stop().catch(() => undefined);
      await stack.destroy();
    },
  };
}
