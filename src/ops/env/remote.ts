import { promises as fs } from 'node:fs';
import { DapError } from '../../errors.js';
import { DockerEngine } from '../../adapters/docker/engine.js';
import { findKeyPair, readText, sshFiles } from '../../adapters/ssh/files.js';
import { knownHostKeys } from '../../core/env/known-hosts.js';
import { pinnedVerifier } from '../../adapters/ssh/client.js';

// A Docker engine on another machine over SSH (dockerode -> docker-modem -> ssh2, running
// `docker system dial-stdio` there). The remote host key must already be in ~/.ssh/known_hosts:
// dap never trusts a key on first use.

export async function remoteEngine(dockerHost: string, env: NodeJS.ProcessEnv, identity = env.DAP_SSH_IDENTITY): Promise<DockerEngine> {
  const url = new URL(dockerHost);
  if (url.protocol !== 'ssh:') return new DockerEngine({ host: dockerHost, env });
  const port = url.port ? Number(url.port) : 22;
  const files = sshFiles(env);
  const knownHostsFile = files.userKnownHosts;
  const pinned = knownHostKeys(await readText(knownHostsFile), url.hostname, port);
  if (pinned.length === 0) {
    const name = port === 22 ? url.hostname : `[${url.hostname}]:${port}`;
    throw new DapError(`the SSH host key of ${name} is not in ${knownHostsFile}`, {
      hint: `verify and record it first, e.g. \`ssh ${port === 22 ? '' : `-p ${port} `}${url.username ? `${url.username}@` : ''}${url.hostname} true\` (dap does not trust keys on first use)`,
    });
  }
  const key = await findKeyPair(files, identity);
  return new DockerEngine({
    host: dockerHost, env,
    ssh: { privateKey: await fs.readFile(key.privateKeyFile), hostVerifier: pinnedVerifier(pinned), readyTimeout: 10_000 },
  });
}
