import { describe, expect, it } from 'vitest';
import { checkRegistryLogin, manifestExists, registryBaseUrl } from '../../../src/adapters/docker/registry-api.js';

// The registry API through the shared HTTP transport, against a fake fetch that answers like
// docker-registry (Basic) and GitLab's registry (Bearer via /jwt/auth): what is asked, with which
// header, what is retried, and that no credential reaches a message.

interface Seen { method: string; url: string; authorization?: string }
const DIGEST = `sha256:${'e'.repeat(64)}`;
const creds = { username: 'ci', password: 's3cret-pw' };
const basic = `Basic ${Buffer.from('ci:s3cret-pw').toString('base64')}`;
const noSleep = async () => {};

/** A registry at reg.example:5050 with GitLab-style token auth (token `T0K`), holding p/env:v1. */
function gitlabLike(opts: { fail?: number } = {}) {
  const seen: Seen[] = [];
  let failures = opts.fail ?? 0;
  const fetch = (async (input: string | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const headers = new Headers(init?.headers);
    const authorization = headers.get('authorization') ?? undefined;
    seen.push({ method: init?.method ?? 'GET', url: url.toString(), authorization });
    if (failures-- > 0) return new Response('busy', { status: 503 });
    if (url.host === 'gitlab.example') {
      return authorization === basic ? Response.json({ token: 'T0K' }) : new Response('{"message":"denied"}', { status: 401 });
    }
    if (authorization !== 'Bearer T0K') {
      const scope = url.pathname === '/v2/' ? '' : `,scope="repository:p/env:pull"`;
      return new Response(null, { status: 401, headers: { 'www-authenticate': `Bearer realm="https://gitlab.example/jwt/auth",service="container_registry"${scope}` } });
    }
    if (url.pathname === '/v2/') return new Response('{}', { status: 200 });
    const known = ['/v2/p/env/manifests/v1', `/v2/p/env/manifests/${DIGEST}`];
    return known.includes(url.pathname) ? new Response(null, { status: 200, headers: { 'docker-content-digest': DIGEST } }) : new Response(null, { status: 404 });
  }) as typeof fetch;
  return { fetch, seen };
}

describe('manifestExists', () => {
  it('follows the Bearer challenge: token with the pull scope, then HEAD with the token', async () => {
    const reg = gitlabLike();
    expect(await manifestExists('reg.example:5050/p/env:v1', creds, { fetch: reg.fetch })).toEqual({ found: true, digest: DIGEST });
    expect(reg.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'HEAD https://reg.example:5050/v2/p/env/manifests/v1',
      'GET https://gitlab.example/jwt/auth?service=container_registry&scope=repository%3Ap%2Fenv%3Apull',
      'HEAD https://reg.example:5050/v2/p/env/manifests/v1',
    ]);
    expect(reg.seen[1]!.authorization).toBe(basic);
    expect(reg.seen[2]!.authorization).toBe('Bearer T0K');
  });

  it('asks for a digest-pinned reference by its digest', async () => {
    const reg = gitlabLike();
    expect(await manifestExists(`reg.example:5050/p/env@${DIGEST}`, creds, { fetch: reg.fetch })).toMatchObject({ found: true });
    expect(reg.seen.at(-1)!.url).toBe(`https://reg.example:5050/v2/p/env/manifests/${DIGEST}`);
  });

  it('absent, denied without or with wrong credentials', async () => {
    expect(await manifestExists('reg.example:5050/p/env:v2', creds, { fetch: gitlabLike().fetch })).toMatchObject({ found: false, reason: 'absent' });
    expect(await manifestExists('reg.example:5050/p/env:v1', undefined, { fetch: gitlabLike().fetch })).toMatchObject({ found: false, reason: 'denied' });
    const wrong = await manifestExists('reg.example:5050/p/env:v1', { username: 'ci', password: 'nope' }, { fetch: gitlabLike().fetch });
    expect(wrong).toMatchObject({ found: false, reason: 'denied' });
  });

  it('retries a busy registry (the transport\'s policy), then answers', async () => {
    const reg = gitlabLike({ fail: 2 });
    expect(await manifestExists('reg.example:5050/p/env:v1', creds, { fetch: reg.fetch, sleep: noSleep })).toMatchObject({ found: true });
    expect(reg.seen.filter((s) => s.url.endsWith('/manifests/v1')).length).toBe(4); // 2 × 503, 401, 200
  });

  it('an unreachable registry is reported without credentials in the message', async () => {
    const refused = (async () => { throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }); }) as typeof fetch;
    const r = await manifestExists('reg.example:5050/p/env:v1', creds, { fetch: refused, sleep: noSleep });
    expect(r).toEqual({ found: false, reason: 'unreachable', detail: 'registry reg.example:5050 is not reachable (ECONNREFUSED)' });
  });

  it('http only for loopback registries, unless DAP_REGISTRY_INSECURE=1', () => {
    expect(registryBaseUrl('127.0.0.1:55001', {})).toBe('http://127.0.0.1:55001');
    expect(registryBaseUrl('reg.example:5050', {})).toBe('https://reg.example:5050');
    expect(registryBaseUrl('reg.example:5050', { DAP_REGISTRY_INSECURE: '1' })).toBe('http://reg.example:5050');
  });
});

describe('checkRegistryLogin', () => {
  it('missing, rejected, accepted (with the push scope), not needed', async () => {
    expect(await checkRegistryLogin('reg.example:5050', 'p/env', undefined, { fetch: gitlabLike().fetch })).toMatchObject({ ok: false, reason: 'missing' });
    expect(await checkRegistryLogin('reg.example:5050', 'p/env', { username: 'ci', password: 'nope' }, { fetch: gitlabLike().fetch }))
      .toMatchObject({ ok: false, reason: 'rejected' });
    const reg = gitlabLike();
    expect(await checkRegistryLogin('reg.example:5050', 'p/env', creds, { fetch: reg.fetch })).toEqual({ ok: true, needed: true });
    expect(reg.seen[1]!.url).toContain('scope=repository%3Ap%2Fenv%3Apush%2Cpull');
    const open = (async () => new Response('{}', { status: 200 })) as typeof fetch;
    expect(await checkRegistryLogin('reg.example:5050', 'p/env', undefined, { fetch: open })).toEqual({ ok: true, needed: false });
  });
});
