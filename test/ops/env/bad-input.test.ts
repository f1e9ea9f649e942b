import { execFileSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addEnvironment, dapCli, projectContainers, removeProjectContainers, requireEngine, sandbox } from './helpers.js';
import type { Sandbox } from './helpers.js';

// Each bad input gets a clear message and an exit code, and leaves no container behind.
// Runs the real CLI (node dist/cli/bin.js; build first).

let sb: Sandbox;
beforeAll(async () => {
  await requireEngine();
  sb = await sandbox();
  await removeProjectContainers();
  await addEnvironment(sb, 'broken', 'base: local/debian:bookworm\napt: [git]\njupyterr: true\n');
  await addEnvironment(sb, 'failing', 'dap: false\nssh: true\ndockerfile:\n  - RUN echo about-to-fail && ls /nonexistent-dir && exit 7\n');
  await addEnvironment(sb, 'gpuenv', 'dap: false\nssh: true\ngpu: true\n');
  await addEnvironment(sb, 'nobase', 'base: local/does-not-exist:1\ndap: false\n');
});
afterAll(async () => {
  await removeProjectContainers({ volumes: true }).catch(() => {});
  await sb?.cleanup();
});

const run = (args: string[], env: NodeJS.ProcessEnv = sb.env) => dapCli(args, env, sb.project);

describe('dap env: bad input', () => {
  it('unknown environment', async () => {
    const r = run(['env', 'up', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown environment "nope"');
    expect(r.stderr).toMatch(/hint: known environments: .*base.*python/);
    expect(await projectContainers()).toEqual([]);
  });

  it('invalid environment.yaml: file:line:col with a code frame', async () => {
    for (const cmd of [['env', 'render', 'broken'], ['env', 'up', 'broken']]) {
      const r = run(cmd);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('environments/broken/environment.yaml:3:1: unknown key "jupyterr"');
      expect(r.stderr).toContain('> 3 | jupyterr: true');
    }
    expect(await projectContainers()).toEqual([]);
  });

  it('Dockerfile error: the failing step and the tail of its log', async () => {
    const r = run(['env', 'up', 'failing']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/build of environment failing failed at Step \d+\/\d+ : RUN echo about-to-fail/);
    expect(r.stderr).toContain('returned a non-zero code: 2');
    expect(r.stderr).toMatch(/last lines of the step ---\n(.*\n)*about-to-fail\n.*nonexistent-dir/);
    expect(await projectContainers()).toEqual([]);
  }, 900_000);

  it('missing base image', async () => {
    const r = run(['env', 'build', 'nobase']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('base image local/does-not-exist:1 is not available');
    expect(await projectContainers()).toEqual([]);
  });

  it('port already taken', async () => {
    const srv = net.createServer();
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()));
    const port = (srv.address() as net.AddressInfo).port;
    try {
      const r = run(['env', 'up', 'base', '--ssh-port', String(port)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`port ${port} on 127.0.0.1 (ssh) is already taken`);
      expect(r.stderr).toContain('hint: choose another with --ssh-port');
    } finally {
      srv.close();
    }
    expect(await projectContainers()).toEqual([]);
  }, 900_000);

  it('GPU asked for on an engine without GPUs: the DeviceRequest is refused, nothing left behind', async () => {
    const r = run(['env', 'up', 'gpuenv']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/GPU passthrough failed: .*could not select device driver/);
    expect(r.stderr).toContain('NVIDIA container toolkit');
    expect(await projectContainers()).toEqual([]);
  }, 900_000);

  it('no SSH key on the machine', async () => {
    const bare = await sandbox({ key: false });
    try {
      const r = dapCli(['env', 'up', 'base'], bare.env, bare.project);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('no SSH key found');
      expect(r.stderr).toContain('ssh-keygen -t ed25519');
    } finally {
      await bare.cleanup();
    }
    expect(await projectContainers()).toEqual([]);
  });

  it('a passphrase-protected key and no ssh-agent', async () => {
    const locked = await sandbox({ key: false });
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret-passphrase', '-f', path.join(locked.home, '.ssh', 'id_ed25519')]);
      const env = { ...locked.env };
      delete env.SSH_AUTH_SOCK;
      const r = dapCli(['env', 'up', 'base'], env, locked.project);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('passphrase-protected and no ssh-agent is running');
      expect(r.stderr).toContain('ssh-add');
    } finally {
      await locked.cleanup();
    }
    expect(await projectContainers()).toEqual([]);
  }, 900_000);

  it('Docker engine not running', async () => {
    const r = run(['env', 'build', 'base'], { ...sb.env, DOCKER_HOST: 'unix:///tmp/dap-no-such-docker.sock' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('Docker engine at unix:///tmp/dap-no-such-docker.sock is not reachable');
    expect(r.stderr).toMatch(/hint: .*scripts\/docker\.sh up.*sudo dockerd/);
    const up = run(['env', 'up', 'base'], { ...sb.env, DOCKER_HOST: 'unix:///tmp/dap-no-such-docker.sock' });
    expect(up.code).toBe(3);
  });

  it('usage errors: a bad port number', () => {
    const r = run(['env', 'up', 'base', '--ssh-port', 'abc']);
    expect(r.code).toBe(2);
  });
});
