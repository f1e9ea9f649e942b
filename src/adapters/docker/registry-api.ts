import { parseImageRef, manifestReference } from '../../core/env/image-ref.js';
import { HttpConnectionError, HttpTransport, type FetchLike, type RetryPolicy } from '../http/index.js';

// Registry HTTP API v2 through dap's one HTTP transport (retries, idle timeout, redacted URLs):
// does a tag exist (HEAD /v2/<repo>/manifests/<ref>), and do our credentials let us in (before a
// push uploads anything). Handles Basic auth (docker-registry with htpasswd) and the Bearer token
// flow (GitLab's registry). Credentials are never put in messages.

export type ManifestCheck = { found: true; digest?: string } | { found: false; reason: 'absent' | 'unreachable' | 'denied'; detail: string };
export type LoginCheck = { ok: true; needed: boolean } | { ok: false; reason: 'missing' | 'rejected' | 'unreachable'; detail: string };

export interface Credentials { username: string; password: string }

export interface RegistryClientOptions {
  fetch?: FetchLike;
  /** DAP_REGISTRY_INSECURE=1: plain http for a non-loopback registry */
  env?: NodeJS.ProcessEnv;
  retry?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
}

const ACCEPT = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

/** A registry check is a quick question before a build or push: short timeouts, few retries. */
export const registryRetryPolicy: RetryPolicy = { maxRetries: 2, backoffFactor: 0.5, backoffJitter: 0.2, timeoutMs: 5_000, maxTotalMs: 20_000 };

/** http for loopback registries (as Docker treats them as insecure), https otherwise. */
export function registryBaseUrl(registry: string, env: NodeJS.ProcessEnv = process.env): string {
  const host = registry.replace(/:\d+$/, '');
  const insecure = host === 'localhost' || host === '127.0.0.1' || host === '[::1]' || env.DAP_REGISTRY_INSECURE === '1';
  return `${insecure ? 'http' : 'https'}://${registry}`;
}

function transportFor(registry: string, opts: RegistryClientOptions): HttpTransport {
  return new HttpTransport({
    baseUrl: registryBaseUrl(registry, opts.env), fetch: opts.fetch, retry: opts.retry ?? registryRetryPolicy, sleep: opts.sleep, userAgent: 'dap',
  });
}

function unreachable(registry: string, err: unknown): string {
  const why = err instanceof HttpConnectionError ? err.code : (err as Error).message;
  return `registry ${registry} is not reachable (${why})`;
}

export async function manifestExists(ref: string, creds: Credentials | undefined, opts: RegistryClientOptions = {}): Promise<ManifestCheck> {
  const parsed = parseImageRef(ref);
  const { registry, repository } = parsed;
  const http = transportFor(registry, opts);
  const head = (authorization?: string) => http.request({
    method: 'HEAD',
    // both parts are checked by parseImageRef: nothing to escape
    path: `/v2/${repository}/manifests/${manifestReference(parsed)}`,
    headers: { accept: ACCEPT, ...(authorization ? { authorization } : {}) },
  });
  try {
    let res = await head();
    if (res.status === 401) {
      const authorization = await authorize(http, res.headers.get('www-authenticate') ?? '', creds, `repository:${repository}:pull`);
      if (!authorization) return { found: false, reason: 'denied', detail: `registry ${registry} asks for credentials (set DAP_REGISTRY_USER/DAP_REGISTRY_PASSWORD)` };
      res = await head(authorization);
    }
    if (res.ok) return { found: true, digest: res.headers.get('docker-content-digest') ?? undefined };
    if (res.status === 404) return { found: false, reason: 'absent', detail: `${ref} is not in the registry` };
    return { found: false, reason: res.status === 401 || res.status === 403 ? 'denied' : 'unreachable', detail: `registry ${registry} answered HTTP ${res.status}` };
  } catch (err) {
    return { found: false, reason: 'unreachable', detail: unreachable(registry, err) };
  }
}

/**
 * Whether `creds` may push to `repository` (GET /v2/, then the Basic or token challenge with push
 * scope), so that a push without or with wrong credentials fails before any layer is uploaded.
 */
export async function checkRegistryLogin(registry: string, repository: string, creds: Credentials | undefined,
  opts: RegistryClientOptions = {}): Promise<LoginCheck> {
  const http = transportFor(registry, opts);
  try {
    const res = await http.request({ method: 'GET', path: '/v2/', buffer: true });
    if (res.ok) return { ok: true, needed: false };
    if (res.status !== 401) return { ok: false, reason: 'unreachable', detail: `registry ${registry} answered HTTP ${res.status} on /v2/` };
    if (!creds) return { ok: false, reason: 'missing', detail: `registry ${registry} needs a login and none is set` };
    const authorization = await authorize(http, res.headers.get('www-authenticate') ?? '', creds, `repository:${repository}:push,pull`);
    if (!authorization) return { ok: false, reason: 'rejected', detail: `registry ${registry} refused the login of ${creds.username}` };
    const again = await http.request({ method: 'GET', path: '/v2/', headers: { authorization }, buffer: true });
    return again.ok ? { ok: true, needed: true } : { ok: false, reason: 'rejected', detail: `registry ${registry} refused the login of ${creds.username} (HTTP ${again.status})` };
  } catch (err) {
    return { ok: false, reason: 'unreachable', detail: unreachable(registry, err) };
  }
}

/** The Authorization header answering a 401 challenge: Basic directly, Bearer via the token service. */
async function authorize(http: HttpTransport, challenge: string, creds: Credentials | undefined, scope: string): Promise<string | undefined> {
  if (!creds) return undefined;
  const basic = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
  if (/^basic/i.test(challenge)) return basic;
  if (!/^bearer/i.test(challenge)) return undefined;
  const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  if (!params.realm || !/^https?:\/\//.test(params.realm)) return undefined;
  const res = await http.request({
    method: 'GET', path: params.realm, auth: false, buffer: true, headers: { authorization: basic },
    query: { service: params.service, scope: params.scope ?? scope },
  });
  if (!res.ok) return undefined;
  const body = await res.json().catch(() => ({})) as { token?: unknown; access_token?: unknown };
  const token = typeof body.token === 'string' ? body.token : typeof body.access_token === 'string' ? body.access_token : undefined;
  return token ? `Bearer ${token}` : undefined;
}
