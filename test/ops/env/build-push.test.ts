import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEnvironment } from '../../../src/ops/env/build.js';
import { pushEnvironment } from '../../../src/ops/env/push.js';
import { manifestExists } from '../../../src/adapters/docker/registry-api.js';
import { execFileSync } from 'node:child_process';
import { renderEnvironment } from '../../../src/ops/env/render.js';
import { CountingEngine, TEST_PROJECT, addEnvironment, dapCli, opsContext, registryCredentials, requireEngine, requireRegistry, sandbox } from './helpers.js';
import type { Sandbox } from './helpers.js';

// Build `python` (first time: minutes of apt/pip, cached afterwards), rebuild unchanged with no
// build call, push to the local docker-registry with htpasswd auth, pull it back by digest.

let sb: Sandbox;
beforeAll(async () => {
  await requireEngine();
  await requireRegistry();
  sb = await sandbox();
});
afterAll(async () => { await sb?.cleanup(); });

describe('dap env build / push (real engine, real registry)', () => {
  it('builds python, then makes no build call when nothing changed', async () => {
    const c = opsContext(sb);
    const first = await buildEnvironment(c, 'python');
    expect(first.image).toMatch(new RegExp(`^127\\.0\\.0\\.1:55001/${TEST_PROJECT}/env-python:[0-9a-f]{20}$`));
    const again = opsContext(sb);
    const second = await buildEnvironment(again, 'python');
    expect(second.image).toBe(first.image);
    expect(second.source).toBe('local');
    expect(again.engine.builds).toBe(0);
  }, 900_000);

  it('a changed definition gets a new tag and a real build (cached layers)', async () => {
    const file = path.join(sb.project, 'environments', 'python', 'environment.yaml');
    const { promises: fs } = await import('node:fs');
    const original = await fs.readFile(file, 'utf8');
    await fs.writeFile(file, `${original}dockerfile: ["RUN echo changed-${Date.now() % 1000} > /etc/dap-test"]\n`);
    try {
      const before = await buildEnvironment(opsContext(sb), 'python').catch((e) => { throw e; });
      const c = opsContext(sb);
      expect(before.source === 'built' || before.source === 'local').toBe(true);
      await fs.writeFile(file, original);
      const back = await buildEnvironment(c, 'python');
      expect(back.image).not.toBe(before.image);
      expect(c.engine.builds).toBe(0); // the original tag still exists locally
      await c.engine.docker.getImage(before.image).remove().catch(() => {}); // a new one every run
    } finally {
      await fs.writeFile(file, original);
    }
  }, 900_000);

  it('pushes with auth, writes images.lock.json, pulls back by digest; no build when only the registry has it', async () => {
    const creds = registryCredentials();
    const login = { DAP_REGISTRY_USER: creds.user, DAP_REGISTRY_PASSWORD: creds.password };
    {
      const c = opsContext(sb, undefined, login);
      const pushed = await pushEnvironment(c, 'python');
      expect(pushed.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      const lock = JSON.parse(readFileSync(path.join(sb.project, 'environments', 'images.lock.json'), 'utf8')) as Record<string, unknown>;
      expect(lock).toEqual({ python: { image: pushed.image, digest: pushed.digest, ref: pushed.image.replace(/:[0-9a-f]{20}$/, '') + '@' + pushed.digest } });

      // the registry really has it, and really wants the password
      expect(await manifestExists(pushed.image, { username: creds.user, password: creds.password })).toMatchObject({ found: true, digest: pushed.digest });
      expect(await manifestExists(pushed.image, undefined)).toMatchObject({ found: false, reason: 'denied' });
      expect(await manifestExists(pushed.image, { username: creds.user, password: 'wrong' })).toMatchObject({ found: false });

      // drop the local tag: the tag is found in the registry, so still no build
      const engine = new CountingEngine();
      await engine.docker.getImage(pushed.image).remove({ noprune: true });
      const c2 = opsContext(sb, engine, login);
      const r = await buildEnvironment(c2, 'python');
      expect(r.source).toBe('registry');
      expect(engine.builds).toBe(0);

      // pull back by digest (what CI jobs do)
      const st = await engine.pull(pushed.ref, { username: creds.user, password: creds.password, serveraddress: '127.0.0.1:55001' });
      expect(st.error).toBeUndefined();
      const info = await engine.inspectImage(pushed.ref);
      expect(info?.repoDigests).toContain(pushed.ref);
      await engine.tag(pushed.ref, pushed.image); // restore the tag for the other tests
    }
  }, 900_000);

  it('a plain Dockerfile is accepted: built as written plus dap\'s tail (entrypoint, dap CLI)', async () => {
    await addEnvironment(sb, 'plain', '', {
      Dockerfile: 'FROM local/debian:bookworm\nRUN echo from-user-dockerfile > /plain.txt\nUSER nobody\n',
    });
    const rendered = await renderEnvironment('plain', sb.env, sb.project);
    expect(rendered.dockerfile).toContain('RUN echo from-user-dockerfile > /plain.txt');
    expect(rendered.dockerfile.indexOf('USER nobody')).toBeLessThan(rendered.dockerfile.indexOf('USER root'));
    const c = opsContext(sb);
    const built = await buildEnvironment(c, 'plain');
    expect(c.engine.builds).toBe(1);
    const out = execFileSync('docker', ['run', '--rm', built.image, 'sh', '-c', 'cat /plain.txt; dap --version'], { encoding: 'utf8' });
    expect(out.trim().split('\n')).toEqual(['from-user-dockerfile', expect.stringMatching(/^\d+\.\d+\.\d+$/)]);
    execFileSync('docker', ['rmi', built.image], { stdio: 'ignore' });
  }, 900_000);

  it('a push without credentials is refused before any upload, naming the variables to set', async () => {
    const c = opsContext(sb);
    const err = await pushEnvironment(c, 'python').then(() => undefined, (e: Error & { hint?: string }) => e);
    expect(err?.message).toBe('cannot push environment python: registry 127.0.0.1:55001 needs a login and none is set; nothing was uploaded');
    expect(err?.hint).toContain('set DAP_REGISTRY_USER and DAP_REGISTRY_PASSWORD');
    expect(c.engine.pushes).toBe(0);
    const cli = dapCli(['env', 'push', 'python'], sb.env, sb.project);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('hint: set DAP_REGISTRY_USER and DAP_REGISTRY_PASSWORD');
    expect(cli.stderr).not.toContain('pushing ');
  });
});
