import { DapError } from '../../errors.js';
import { containerLogs, findContainer } from '../../adapters/docker/containers.js';
import { containerName } from '../../core/env/naming.js';
import type { EnvDeps } from './deps.js';

/** `dap env logs NAME`: the dev container's output (entrypoint, sshd, Jupyter). */
export async function envLogs(c: EnvDeps, name: string, opts: { follow: boolean; tail?: number }, write: (b: Buffer) => void): Promise<void> {
  await c.engine.ping();
  const cname = containerName(c.project.name, name);
  if (!(await findContainer(c.engine, cname))) throw new DapError(`environment ${name} has no container`, { hint: `start it with \`dap env up ${name}\`` });
  await containerLogs(c.engine, cname, opts, write);
}
