import { spawn, execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { promises as fs, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/ops/env/ports.js';
import { addEnvironment, dapCli, removeProjectContainers, requireEngine, sandbox } from './helpers.js';
import type { Sandbox } from './helpers.js';

// --docker-host ssh://user@host: dockerode -> docker-modem -> ssh2 -> `docker system dial-stdio`
// on the other side. The other side here is this machine's own sshd, started on a loopback port
// with a generated host key and only the test's key authorized. The host key must be known.

let sb: Sandbox;
let sshd: ChildProcess | undefined;
let port = 0;
let dir = '';

beforeAll(async () => {
  await requireEngine();
  sb = await sandbox();
  dir = path.join(sb.home, 'sshd');
  await fs.mkdir(dir, { recursive: true });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
  await fs.copyFile(path.join(sb.home, '.ssh', 'id_ed25519.pub'), path.join(dir, 'authorized_keys'));
  port = await freePort();
  const user = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
  await fs.writeFile(path.join(dir, 'sshd_config'), [
    `ListenAddress 127.0.0.1:${port}`, `HostKey ${dir}/host_key`, `AuthorizedKeysFile ${dir}/authorized_keys`,
    'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'PermitRootLogin prohibit-password', 'UsePAM no',
    'StrictModes no', `PidFile ${dir}/sshd.pid`, `AllowUsers ${user}`, '',
  ].join('\n'));
  await fs.mkdir('/run/sshd', { recursive: true }).catch(() => {});
  sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => { s.end(); r(true); }).on('error', () => r(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const hostPub = (await fs.readFile(path.join(dir, 'host_key.pub'), 'utf8')).split(' ').slice(0, 2).join(' ');
  await fs.writeFile(path.join(sb.home, '.ssh', 'known_hosts'), `[127.0.0.1]:${port} ${hostPub}\n`);
  await addEnvironment(sb, 'remote', `dap: false\nssh: false\ndockerfile: ["RUN echo built-over-ssh-${Date.now()} > /remote.txt"]\n`);
});

afterAll(async () => {
  await removeProjectContainers({ volumes: true }).catch(() => {});
  sshd?.kill();
  await sb?.cleanup();
});

describe('--docker-host ssh://', () => {
  it('builds on the engine behind SSH, verifying the known host key', () => {
    const user = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
    const r = dapCli(['env', 'build', 'remote', '--json', '--docker-host', `ssh://${user}@127.0.0.1:${port}`], sb.env, sb.project);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { image: string; source: string };
    expect(out.source).toBe('built');
    expect(execFileSync('docker', ['run', '--rm', '--entrypoint', 'cat', out.image, '/remote.txt'], { encoding: 'utf8' })).toMatch(/^built-over-ssh-/);
    execFileSync('docker', ['rmi', out.image], { stdio: 'ignore' }); // a fresh one per run (its Dockerfile line has a timestamp)
  });

  it('up --host: the container runs on the engine behind SSH, reached through ProxyJump', () => {
    const user = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
    // the user's own entry for the jump host (OpenSSH reads the passwd home, not $HOME, so the
    // sandbox's key and known_hosts are named explicitly); dap's block must leave it alone
    const own = `Host 127.0.0.1\n  IdentityFile ${path.join(sb.home, '.ssh', 'id_ed25519')}\n  UserKnownHostsFile ${path.join(sb.home, '.ssh', 'known_hosts')}\n`;
    writeFileSync(path.join(sb.home, '.ssh', 'config'), own);
    const up = dapCli(['env', 'up', 'base', '--host', `${user}@127.0.0.1:${port}`, '--json'], sb.env, sb.project);
    expect(up.code, up.stderr).toBe(0);
    const cfg = execFileSync('cat', [path.join(sb.home, '.ssh', 'config')], { encoding: 'utf8' });
    expect(cfg).toContain(`ProxyJump ${user}@127.0.0.1:${port}`);
    expect(cfg.endsWith(own)).toBe(true);
    const out = execFileSync('ssh', ['-F', path.join(sb.home, '.ssh', 'config'), '-o', 'BatchMode=yes', 'dap-base', 'echo via-jump'], { encoding: 'utf8', env: sb.env });
    expect(out.trim()).toBe('via-jump');
    const down = dapCli(['env', 'down', 'base', '--host', `${user}@127.0.0.1:${port}`], sb.env, sb.project);
    expect(down.code, down.stderr).toBe(0);
  }, 900_000);

  it('refuses an engine host whose key is not the known one (no trust on first use)', async () => {
    const user = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
    await fs.writeFile(path.join(sb.home, '.ssh', 'known_hosts'), `[127.0.0.1]:${port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHh0d8tU4Q1pS+XqJ6xB7m7pU0h3Yy9g6s2W5a0bQ1cZ\n`);
    const bad = dapCli(['env', 'ls', '--docker-host', `ssh://${user}@127.0.0.1:${port}`], sb.env, sb.project);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('not reachable');
    expect(bad.stderr).toMatch(/verification failed/i);
    await fs.writeFile(path.join(sb.home, '.ssh', 'known_hosts'), '');
    const unknown = dapCli(['env', 'ls', '--docker-host', `ssh://${user}@127.0.0.1:${port}`], sb.env, sb.project);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`the SSH host key of [127.0.0.1]:${port} is not in`);
  });
});
