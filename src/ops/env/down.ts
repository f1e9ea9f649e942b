import { removeContainer } from '../../adapters/docker/containers.js';
import { readText, sshFiles, writeTextAtomic } from '../../adapters/ssh/files.js';
import { removeHostKey } from '../../core/env/known-hosts.js';
import { containerName, relayContainerName, sshAlias, volumeNames } from '../../core/env/naming.js';
import type { EnvDeps } from './deps.js';
import { writeSshConfig } from './ssh-config.js';
import { removeDevState } from './state.js';

// `dap env down NAME`: remove the container; keep the workspace and state volumes (files and the
// host key survive, so the pinned key stays valid) unless --purge.

export async function downEnvironment(c: EnvDeps, name: string, opts: { purge: boolean }): Promise<{ container: string; removed: boolean }> {
  await c.engine.ping();
  const cname = containerName(c.project.name, name);
  const removed = await removeContainer(c.engine, cname);
  await removeContainer(c.engine, relayContainerName(c.project.name, name));
  await removeDevState(c.env, name);
  if (opts.purge) {
    const vols = volumeNames(c.project.name, name);
    for (const v of [vols.workspace, vols.state]) await c.engine.docker.getVolume(v).remove().catch(() => {});
    const { dapKnownHosts } = sshFiles(c.env);
    const kh = await readText(dapKnownHosts);
    if (kh) await writeTextAtomic(dapKnownHosts, removeHostKey(kh, sshAlias(name)));
  }
  await writeSshConfig(c.env);
  return { container: cname, removed };
}
