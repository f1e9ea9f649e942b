import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestExists } from '../../../src/adapters/docker/registry-api.js';
import { buildEnvironment } from '../../../src/ops/env/build.js';
import { pushEnvironment } from '../../../src/ops/env/push.js';
import { CountingEngine, TEST_PROJECT, addEnvironment, opsContext, requireEngine, sandbox, type Sandbox } from './helpers.js';
import { startTokenRegistry, type TokenRegistry } from './support/token-registry.js';

// GitLab's container registry authenticates with tokens: the registry answers 401 with a Bearer
// challenge naming GitLab's /jwt/auth; the client fetches a JWT there with its credentials and
// retries with it. The real docker-registry does that check here (signature, issuer, audience,
// scope), with a token service in GitLab's shape — so `dap env push`, the no-build check against
// the registry and a pull by digest are exercised as they run against GitLab.

let sb: Sandbox;
let reg: TokenRegistry;
beforeAll(async () => {
  await requireEngine();
  sb = await sandbox();
  reg = await startTokenRegistry();
  sb.env.DAP_REGISTRY_IMAGE = `${reg.address}/research/${TEST_PROJECT}`;
  await addEnvironment(sb, 'tok', '', { Dockerfile: 'FROM local/debian:bookworm\nRUN echo token-registry > /tok.txt\n' });
}, 120_000);
afterAll(async () => {
  await reg?.stop();
  await sb?.cleanup();
});

const login = () => ({ DAP_REGISTRY_USER: reg.user, DAP_REGISTRY_PASSWORD: reg.password });

describe('a registry with token auth (GitLab style)', () => {
  it('a push without credentials, or with wrong ones, stops before building or uploading, saying what to set', async () => {
    const c = opsContext(sb);
    const err = await pushEnvironment(c, 'tok').then(() => undefined, (e: Error & { hint?: string }) => e);
    expect(err?.message).toBe(`cannot push environment tok: registry ${reg.address} needs a login and none is set; nothing was uploaded`);
    expect(err?.hint).toMatch(/set DAP_REGISTRY_USER and DAP_REGISTRY_PASSWORD/);
    const wrong = opsContext(sb, undefined, { DAP_REGISTRY_USER: reg.user, DAP_REGISTRY_PASSWORD: 'wrong' });
    await expect(pushEnvironment(wrong, 'tok')).rejects.toThrow(`registry ${reg.address} refused the login of ${reg.user}`);
    expect([c.engine.builds, c.engine.pushes, wrong.engine.builds, wrong.engine.pushes]).toEqual([0, 0, 0, 0]);
    // the engine never asked the token service for push rights
    expect(reg.tokenRequests.filter((t) => t.scope.includes('push') && t.authorized)).toEqual([]);
  }, 600_000);

  it('pushes through the token flow; the tag check and a pull by digest use it too', async () => {
    {
      const pushed = await pushEnvironment(opsContext(sb, undefined, login()), 'tok');
      expect(pushed.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      const repo = `research/${TEST_PROJECT}/env-tok`;
      // the engine asked the token service for push rights on exactly this repository, with the right login
      expect(reg.tokenRequests.some((t) => t.authorized && t.service === 'container_registry' && t.scope.includes(`repository:${repo}:`) && t.scope.includes('push'))).toBe(true);

      // dap's own manifest check: challenge → token → HEAD, with the digest the push reported
      expect(await manifestExists(pushed.image, { username: reg.user, password: reg.password })).toEqual({ found: true, digest: pushed.digest });
      expect(reg.tokenRequests.at(-1)).toEqual({ scope: `repository:${repo}:pull`, service: 'container_registry', authorized: true });
      expect(await manifestExists(pushed.image, undefined)).toMatchObject({ found: false, reason: 'denied' });
      expect(await manifestExists(pushed.image, { username: reg.user, password: 'wrong' })).toMatchObject({ found: false, reason: 'denied' });
      expect(await manifestExists(`${reg.address}/${repo}:0000000000000000dead`, { username: reg.user, password: reg.password })).toMatchObject({ found: false, reason: 'absent' });

      // without the local tag, `dap env build` finds the tag in the registry: no build call
      const engine = new CountingEngine();
      await engine.docker.getImage(pushed.image).remove({ noprune: true });
      const built = await buildEnvironment(opsContext(sb, engine, login()), 'tok');
      expect(built.source).toBe('registry');
      expect(engine.builds).toBe(0);

      // a CI job pulls it by digest
      await engine.docker.getImage(pushed.ref).remove({ noprune: true }).catch(() => undefined);
      const st = await engine.pull(pushed.ref, { username: reg.user, password: reg.password, serveraddress: reg.address });
      expect(st.error).toBeUndefined();
      expect((await engine.inspectImage(pushed.ref))?.repoDigests).toContain(pushed.ref);
      for (const ref of [pushed.ref, pushed.image, pushed.image.replace(/:[0-9a-f]{20}$/, ':latest')]) {
        await engine.docker.getImage(ref).remove({ noprune: true }).catch(() => undefined);
      }
    }
  }, 600_000);
});
