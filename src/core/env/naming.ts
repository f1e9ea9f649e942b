import { createHash } from 'node:crypto';
import { parseImageRef, pinnedRef } from './image-ref.js';

// Image names, content hashes, container names and labels: the identities dap derives.

export interface ContextEntry {
  /** path inside the build context (posix) */
  path: string;
  /** sha256 of the content, or a stable identity for large files (node binary, bundles) */
  digest: string;
  mode: number;
}

/** Content hash of the rendered Dockerfile and every context entry: the image tag. */
export function contextHash(dockerfile: string, entries: readonly ContextEntry[]): string {
  const h = createHash('sha256');
  h.update('dap-env-v1\0').update(dockerfile).update('\0');
  for (const e of [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    h.update(`${e.path}\0${e.mode & 0o777}\0${e.digest}\0`);
  }
  return h.digest('hex').slice(0, 20);
}

/** A DNS/registry-safe project component: lower case, [a-z0-9._-]. */
export function slug(s: string): string {
  const out = s.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[-._]+|[-._]+$/g, '');
  return out || 'project';
}

/** `<registry>/<project>/env-<name>:<hash>` (registryImage is `<registry>/<project>`). */
export function imageRepository(registryImage: string, env: string): string {
  return `${registryImage.replace(/\/+$/, '')}/env-${env}`;
}

export const LABEL_MANAGED = 'dap.managed';
export const LABEL_ENV = 'dap.env';
export const LABEL_PROJECT = 'dap.project';
export const LABEL_SSH_PORT = 'dap.ssh-port';
export const LABEL_JUPYTER_PORT = 'dap.jupyter-port';
export const LABEL_USER = 'dap.user';
/** set on helper containers (the tracking relay); dev containers have none */
export const LABEL_ROLE = 'dap.role';

export function containerName(project: string, env: string): string {
  return `dap-${slug(project)}-${env}`;
}

/** The dev container's tracking relay (see adapters/docker/relay.ts). */
export function relayContainerName(project: string, env: string): string {
  return `${containerName(project, env)}-tracking`;
}

export function volumeNames(project: string, env: string): { workspace: string; state: string } {
  return { workspace: `dap-${slug(project)}-${env}-workspace`, state: `dap-${slug(project)}-${env}-state` };
}

/** The alias used in ~/.ssh/config and in dap's known_hosts. */
export function sshAlias(env: string): string {
  return `dap-${env}`;
}

export interface ImagesLockEntry { image: string; digest: string; ref: string }
export type ImagesLockFile = Record<string, ImagesLockEntry>;

/** environments/images.lock.json after a push of `env`: entries sorted, one per environment. */
export function updateImagesLock(current: ImagesLockFile, env: string, image: string, digest: string): ImagesLockFile {
  const next: ImagesLockFile = { ...current, [env]: { image, digest, ref: pinnedRef(parseImageRef(image), digest) } };
  return Object.fromEntries(Object.entries(next).sort(([a], [b]) => (a < b ? -1 : 1)));
}
