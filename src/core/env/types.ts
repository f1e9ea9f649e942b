// An environment as written in environments/<name>/environment.yaml (schemas/environment.schema.json),
// and the resolved form dap builds from.

export interface EnvironmentSpec {
  description?: string;
  base?: string;
  apt?: string[];
  pip?: string[];
  requirements?: string;
  user?: string;
  ssh?: boolean;
  jupyter?: boolean;
  gpu?: boolean | number | 'all';
  env?: Record<string, string | number | boolean>;
  dockerfile?: string[];
  dap?: boolean;
}

export const DEFAULT_BASE_IMAGE = 'local/debian:bookworm';
export const DEFAULT_USER = 'dev';
/** where dev sessions keep their files: a named volume that survives down/up */
export const WORKSPACE_DIR = '/workspace';
/** host keys and other per-container state: a second named volume */
export const CONTAINER_STATE_DIR = '/var/lib/dap';
export const HOST_KEY_PUB = `${CONTAINER_STATE_DIR}/ssh/ssh_host_ed25519_key.pub`;
export const JUPYTER_PORT = 8888;

/** Defaults applied; what the Dockerfile and the containers are made from. */
export interface ResolvedEnvironment {
  name: string;
  /** `yaml`: rendered from environment.yaml; `dockerfile`: the user's Dockerfile plus dap's tail */
  kind: 'yaml' | 'dockerfile';
  description: string;
  base: string;
  apt: string[];
  pip: string[];
  requirements?: string;
  user: string;
  ssh: boolean;
  jupyter: boolean;
  /** undefined: no GPU; -1: all GPUs */
  gpus?: number;
  env: Record<string, string>;
  dockerfile: string[];
  dap: boolean;
}

export function resolveEnvironment(name: string, spec: EnvironmentSpec): ResolvedEnvironment {
  const gpus = spec.gpu === true || spec.gpu === 'all' ? -1 : typeof spec.gpu === 'number' ? spec.gpu : undefined;
  return {
    name,
    kind: 'yaml',
    description: spec.description ?? '',
    base: spec.base ?? DEFAULT_BASE_IMAGE,
    apt: spec.apt ?? [],
    pip: spec.pip ?? [],
    requirements: spec.requirements,
    user: spec.user ?? DEFAULT_USER,
    ssh: spec.ssh ?? true,
    jupyter: spec.jupyter ?? false,
    gpus,
    env: Object.fromEntries(Object.entries(spec.env ?? {}).map(([k, v]) => [k, String(v)])),
    dockerfile: spec.dockerfile ?? [],
    dap: spec.dap ?? true,
  };
}
