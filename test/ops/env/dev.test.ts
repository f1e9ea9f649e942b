import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upEnvironment } from '../../../src/ops/env/up.js';
import { downEnvironment } from '../../../src/ops/env/down.js';
import { buildEnvironment } from '../../../src/ops/env/build.js';
import { connectInfo } from '../../../src/ops/env/connect.js';
import { listEnvironments } from '../../../src/ops/env/ls.js';
import { writeSshConfig } from '../../../src/ops/env/ssh-config.js';
import { execIn } from '../../../src/adapters/docker/containers.js';
import { sshExec, HostKeyMismatchError } from '../../../src/adapters/ssh/client.js';
import { pinnedKeys } from '../../../src/core/env/known-hosts.js';
import { DockerEngine } from '../../../src/adapters/docker/engine.js';
import { TEST_PROJECT, dapCli, opsContext, removeProjectContainers, requireEngine, sandbox } from './helpers.js';
import type { Sandbox } from './helpers.js';

// Dev containers on the real engine: ssh2 with the pinned host key, Jupyter's token, the
// workspace across down/up, a changed host key refused, two environments side by side, and the
// same image running a CI-style command.

let sb: Sandbox;
beforeAll(async () => {
  await requireEngine();
  sb = await sandbox();
  // fresh volumes: the first start must generate the host key
  await removeProjectContainers({ volumes: true });
});
afterAll(async () => {
  await removeProjectContainers({ volumes: true }).catch(() => {});
  await sb?.cleanup();
});

const key = () => readFileSync(path.join(sb.home, '.ssh', 'id_ed25519'));
const pinned = async (alias: string) => pinnedKeys(await fs.readFile(path.join(sb.home, '.ssh', 'dap_known_hosts'), 'utf8'), alias);
const ssh = async (name: string, command: string) => {
  const info = await connectInfo(name, sb.env);
  return sshExec({ host: '127.0.0.1', port: info.sshPort, username: info.user, privateKey: key(), pinned: await pinned(`dap-${name}`) }, command);
};

describe('dap env up (real engine, real sshd)', () => {
  it('connects over ssh2 with the pinned host key and runs python3 as the developer\'s uid', async () => {
    const up = await upEnvironment(opsContext(sb), 'python');
    expect(up.hostKey).toMatch(/^ssh-ed25519 /);
    const r = await ssh('python', 'python3 -c "import os, mlflow; print(os.getuid(), mlflow.__version__)"; pwd; sudo -n true 2>&1 || echo no-sudo');
    expect(r.code).toBe(0);
    const [uidLine] = r.stdout.trim().split('\n');
    const expectedUid = process.getuid!() === 0 ? 1000 : process.getuid!();
    expect(uidLine).toMatch(new RegExp(`^${expectedUid} 3\\.`));
    expect(r.stdout).toContain('no-sudo');

    // the OpenSSH client with the managed block agrees (StrictHostKeyChecking yes)
    const cfg = await fs.readFile(path.join(sb.home, '.ssh', 'config'), 'utf8');
    expect(cfg).toContain('Host dap-python');
    const cli = spawnSync('ssh', ['-F', path.join(sb.home, '.ssh', 'config'), '-o', 'BatchMode=yes', 'dap-python', 'echo via-openssh'], { encoding: 'utf8' });
    expect(cli.stdout.trim(), cli.stderr).toBe('via-openssh');
  }, 900_000);

  it('password login is off and host keys are not in the image', async () => {
    const engine = new DockerEngine();
    const info = await connectInfo('python', sb.env);
    const cname = `dap-${TEST_PROJECT}-python`;
    const cfg = await execIn(engine, cname, ['cat', '/run/dap/sshd_config']);
    expect(cfg.stdout).toMatch(/^PasswordAuthentication no$/m);
    expect(cfg.stdout).toMatch(/^PermitRootLogin no$/m);
    // the image itself has no host keys: a fresh CI-style container from it has none
    const run = await ciRun(info, "find /etc /var/lib/dap /home -name 'ssh_host_*' | wc -l");
    expect(run.trim()).toBe('0');
  });

  it('Jupyter answers with the token and refuses without it', async () => {
    const info = await connectInfo('python', sb.env);
    expect(info.jupyter).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/lab\?token=[0-9a-f]{48}$/);
    const url = new URL(info.jupyter!);
    const token = url.searchParams.get('token')!;
    const api = `http://127.0.0.1:${url.port}/api/status`;
    let ok: Response | undefined;
    for (let i = 0; i < 100; i++) {
      ok = await fetch(api, { headers: { authorization: `token ${token}` } }).catch(() => undefined);
      if (ok?.status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(ok?.status).toBe(200);
    expect((await fetch(api)).status).toBe(403);
    expect((await fetch(api, { headers: { authorization: 'token wrong' } })).status).toBe(403);
    // the CLI prints the same three ways in
    const cli = dapCli(['env', 'connect', 'python'], sb.env, sb.project);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain('ssh dap-python');
    expect(cli.stdout).toContain('vscode://vscode-remote/ssh-remote+dap-python/workspace');
    expect(cli.stdout).toContain(info.jupyter!);
    const ls = JSON.parse(dapCli(['env', 'ls', '--json'], sb.env, sb.project).stdout) as { containers: Array<{ env: string; sshPort: number }> };
    expect(ls.containers.find((k) => k.env === 'python')?.sshPort).toBe(info.sshPort);
    const mode = (await fs.stat(path.join(sb.home, '.local', 'state', 'dap', 'envs', 'python.json'))).mode & 0o777;
    expect(mode).toBe(0o600);
  });

  it('down then up keeps the workspace files and the host key', async () => {
    const w = await ssh('python', 'echo keep-me > /workspace/note.txt && ls -ln /workspace/note.txt');
    expect(w.code).toBe(0);
    const keyBefore = await pinned('dap-python');
    await downEnvironment(opsContext(sb), 'python', { purge: false });
    expect(await fs.readFile(path.join(sb.home, '.ssh', 'config'), 'utf8')).not.toContain('Host dap-python');
    await upEnvironment(opsContext(sb), 'python');
    expect(await pinned('dap-python')).toEqual(keyBefore);
    const r = await ssh('python', 'cat /workspace/note.txt');
    expect(r.stdout.trim()).toBe('keep-me');
  });

  it('refuses a container whose host key changed', async () => {
    const engine = new DockerEngine();
    // regenerate the key inside the container and make sshd re-read it (SIGHUP re-execs sshd)
    const k = '/var/lib/dap/ssh/ssh_host_ed25519_key';
    const res = await execIn(engine, `dap-${TEST_PROJECT}-python`, ['sh', '-c', `rm -f ${k} ${k}.pub && ssh-keygen -q -t ed25519 -N '' -f ${k} && kill -HUP $(cat /run/sshd.pid)`]);
    expect(res.code, res.stderr).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    await expect(ssh('python', 'true')).rejects.toBeInstanceOf(HostKeyMismatchError);
    const cli = spawnSync('ssh', ['-F', path.join(sb.home, '.ssh', 'config'), '-o', 'BatchMode=yes', 'dap-python', 'true'], { encoding: 'utf8' });
    expect(cli.status).toBe(255);
    expect(cli.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
    // a new `up` reads the new key through the Docker API and pins it again
    await upEnvironment(opsContext(sb), 'python');
    expect((await ssh('python', 'echo again')).stdout.trim()).toBe('again');
  });

  it('two environments run side by side without port clashes; ls and ssh-config list both', async () => {
    await upEnvironment(opsContext(sb), 'base');
    const [a, b] = [await connectInfo('python', sb.env), await connectInfo('base', sb.env)];
    expect(a.sshPort).not.toBe(b.sshPort);
    expect((await ssh('base', 'echo base')).stdout.trim()).toBe('base');
    expect((await ssh('python', 'echo python')).stdout.trim()).toBe('python');
    const ls = await listEnvironments(opsContext(sb));
    expect(ls.containers.filter((k) => k.project === TEST_PROJECT && k.state === 'running').map((k) => k.env).sort()).toEqual(['base', 'python']);
    const before = await fs.readFile(path.join(sb.home, '.ssh', 'config'), 'utf8');
    const again = await writeSshConfig(sb.env);
    expect(again.changed).toBe(false);
    expect(await fs.readFile(path.join(sb.home, '.ssh', 'config'), 'utf8')).toBe(before);
    expect(before).toContain('Host dap-base');
    expect(before).toContain('Host dap-python');
    await downEnvironment(opsContext(sb), 'base', { purge: true });
  }, 900_000);

  it('the same image runs a CI-style command (no sshd, no Jupyter, root, dap on PATH)', async () => {
    const info = await connectInfo('python', sb.env);
    const out = await ciRun(info, 'echo ok; id -u; command -v dap; dap --version; pgrep sshd || echo no-sshd');
    expect(out.split('\n').map((l) => l.trim())).toEqual(expect.arrayContaining(['ok', '0', '/usr/local/bin/dap', 'no-sshd']));
    expect(out).toMatch(/^\d+\.\d+\.\d+$/m);
  });
});

/** `docker run --rm IMAGE sh -c CMD`, as GitLab Runner would run a job script in the image. */
async function ciRun(_info: unknown, command: string): Promise<string> {
  const built = await buildEnvironment(opsContext(sb), 'python');
  return execFileSync('docker', ['run', '--rm', built.image, 'sh', '-c', command], { encoding: 'utf8' });
}
