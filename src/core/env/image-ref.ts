import { DapError } from '../../errors.js';

// Docker image references, parsed once for the engine calls, the registry API and the lock file:
// `[registry[:port]/]path[:tag][@sha256:hex]` (distribution/reference's grammar).

export interface ImageRef {
  /** the repository as written, registry included when given: `127.0.0.1:55001/p/env-python` */
  name: string;
  /** registry host[:port]; `docker.io` when the name has none */
  registry: string;
  /** path inside the registry (`library/debian` for plain `debian`) */
  repository: string;
  tag?: string;
  /** `sha256:<64 hex>` */
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;
const HOST = /^(?:\[[0-9a-fA-F:]+\]|[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?)(?::\d+)?$/;

function invalid(ref: string, why: string): DapError {
  return new DapError(`"${ref}" is not a valid image reference: ${why}`, { hint: 'write [REGISTRY[:PORT]/]PATH[:TAG][@sha256:DIGEST]' });
}

export function parseImageRef(ref: string): ImageRef {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid(ref, `bad digest "${digest}"`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(ref, `bad tag "${tag}"`);
  }
  const parts = rest.split('/');
  // a first component with a dot, a port or "localhost" is a registry host (Docker's rule)
  const first = parts[0] ?? '';
  const hasHost = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['));
  const registry = hasHost ? first : 'docker.io';
  const path = hasHost ? parts.slice(1) : parts;
  if (hasHost && !HOST.test(registry)) throw invalid(ref, `bad registry "${registry}"`);
  if (path.length === 0 || !path.every((c) => COMPONENT.test(c))) throw invalid(ref, 'the path must be lower-case components separated by /');
  const repository = !hasHost && path.length === 1 ? `library/${path[0]}` : path.join('/');
  return { name: rest, registry, repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** The tag to push or tag with: the given one, `latest` when none. */
export function tagOf(ref: ImageRef): string {
  return ref.tag ?? 'latest';
}

/** What a registry's /manifests/ endpoint takes: the digest when pinned, else the tag. */
export function manifestReference(ref: ImageRef): string {
  return ref.digest ?? tagOf(ref);
}

/** `name@digest`: the pinned form the pipeline runs jobs on. */
export function pinnedRef(ref: ImageRef, digest: string): string {
  return `${ref.name}@${digest}`;
}
