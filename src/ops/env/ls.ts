import { listContainers } from '../../adapters/docker/containers.js';
import { LABEL_ENV, LABEL_JUPYTER_PORT, LABEL_MANAGED, LABEL_PROJECT, LABEL_ROLE, LABEL_SSH_PORT } from '../../core/env/naming.js';
import type { EnvDeps } from './deps.js';
import { imageFor } from './build.js';
import { listEnvironmentNames } from './project.js';
import { environmentSources } from '../load-specs.js';

// `dap env ls`: the project's environments (image tag, built or not) and dap's dev containers.

export interface EnvListing {
  environments: Array<{ name: string; description: string; image?: string; built: boolean; error?: string; builtin?: boolean }>;
  containers: Array<{ name: string; env: string; project: string; state: string; status: string; sshPort?: number; jupyterPort?: number; image: string }>;
}

export async function listEnvironments(c: EnvDeps): Promise<EnvListing> {
  await c.engine.ping();
  const environments: EnvListing['environments'] = [];
  const builtins = (await environmentSources(c.project.root)).builtin;
  for (const name of await listEnvironmentNames(c.project)) {
    const builtin = builtins.includes(name) || undefined;
    try {
      const { loaded, image } = await imageFor(c, name);
      environments.push({ name, description: loaded.env.description, image, built: (await c.engine.inspectImage(image)) !== undefined, builtin });
    } catch (err) {
      environments.push({ name, description: '', built: false, error: (err as Error).message, builtin });
    }
  }
  const containers = (await listContainers(c.engine, { [LABEL_MANAGED]: 'true' })).filter((k) => !k.labels[LABEL_ROLE]).map((k) => ({
    name: k.name, env: k.labels[LABEL_ENV] ?? '', project: k.labels[LABEL_PROJECT] ?? '', state: k.state, status: k.status, image: k.image,
    sshPort: k.labels[LABEL_SSH_PORT] ? Number(k.labels[LABEL_SSH_PORT]) : undefined,
    jupyterPort: k.labels[LABEL_JUPYTER_PORT] ? Number(k.labels[LABEL_JUPYTER_PORT]) : undefined,
  }));
  return { environments, containers };
}

export function formatList(l: EnvListing): string {
  const lines = ['ENVIRONMENT           BUILT  IMAGE'];
  for (const e of l.environments) lines.push(`${(e.builtin ? `${e.name} (built-in)` : e.name).padEnd(21)} ${(e.error ? 'error' : e.built ? 'yes' : 'no').padEnd(6)} ${e.error ?? e.image ?? ''}`);
  lines.push('', 'CONTAINER                       STATE     SSH    JUPYTER');
  if (l.containers.length === 0) lines.push('(none: `dap env up NAME` starts one)');
  for (const k of l.containers) lines.push(`${k.name.padEnd(31)} ${k.state.padEnd(9)} ${String(k.sshPort ?? '-').padEnd(6)} ${k.jupyterPort ?? '-'}`);
  return lines.join('\n') + '\n';
}
