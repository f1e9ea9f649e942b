import { splitImageRef } from '../../core/env/naming.js';

// Registry HTTP API v2: does a tag exist? (HEAD /v2/<repo>/manifests/<tag>). Handles Basic auth
// (docker-registry with htpasswd) and the Bearer token flow (GitLab's registry). Credentials are
// never put in messages.

export type ManifestCheck = { found: true; digest?: string } | { found: false; reason: 'absent' | 'unreachable' | 'denied'; detail: string };

export interface Credentials { username: string; password: string }

const ACCEPT = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

/** http for loopback registries (as Docker treats them as insecure), https otherwise. */
export function registryBaseUrl(registry: string): string {
  const host = registry.replace(/:\d+$/, '');
  const insecure = host === 'localhost' || host === '127.0.0.1' || host === '[::1]' || process.env.DAP_REGISTRY_INSECURE === '1';
  return `${insecure ? 'http' : 'https'}://${registry}`;
}

export async function manifestExists(ref: string, creds: Credentials | undefined, fetchImpl: typeof fetch = fetch): Promise<ManifestCheck> {
  const { registry, repository, tag } = splitImageRef(ref);
  const url = `${registryBaseUrl(registry)}/v2/${repository}/manifests/${encodeURIComponent(tag)}`;
  const head = (authorization?: string) => fetchImpl(url, {
    method: 'HEAD',
    headers: { accept: ACCEPT, ...(authorization ? { authorization } : {}) },
    signal: AbortSignal.timeout(5000),
  });
  try {
    let res = await head();
    if (res.status === 401) {
      const challenge = res.headers.get('www-authenticate') ?? '';
      const authorization = await authorize(challenge, creds, repository, fetchImpl);
      if (!authorization) return { found: false, reason: 'denied', detail: `registry ${registry} asks for credentials (set DAP_REGISTRY_USER/DAP_REGISTRY_PASSWORD)` };
      res = await head(authorization);
    }
    if (res.ok) return { found: true, digest: res.headers.get('docker-content-digest') ?? undefined };
    if (res.status === 404) return { found: false, reason: 'absent', detail: `${ref} is not in the registry` };
    return { found: false, reason: res.status === 401 || res.status === 403 ? 'denied' : 'unreachable', detail: `registry ${registry} answered HTTP ${res.status}` };
  } catch (err) {
    return { found: false, reason: 'unreachable', detail: `registry ${registry} is not reachable (${(err as Error).message})` };
  }
}

async function authorize(challenge: string, creds: Credentials | undefined, repository: string, fetchImpl: typeof fetch): Promise<string | undefined> {
  if (!creds) return undefined;
  const basic = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
  if (/^basic/i.test(challenge)) return basic;
  if (!/^bearer/i.test(challenge)) return undefined;
  const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  if (!params.realm) return undefined;
  const u = new URL(params.realm);
  if (params.service) u.searchParams.set('service', params.service);
  u.searchParams.set('scope', params.scope ?? `repository:${repository}:pull`);
  const res = await fetchImpl(u, { headers: { authorization: basic }, signal: AbortSignal.timeout(5000) });
  if (!res.ok) return undefined;
  const body = await res.json() as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  return token ? `Bearer ${token}` : undefined;
}
