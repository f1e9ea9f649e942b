import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { DapError } from '../../errors.js';
import { createAndStart, ensureVolume, execIn, findContainer, removeContainer } from '../../adapters/docker/containers.js';
import type { DockerEngine } from '../../adapters/docker/engine.js';
import { HostKeyMismatchError, keyAuth, sshExec } from '../../adapters/ssh/client.js';
import type { KeyAuth } from '../../adapters/ssh/client.js';
import { findKeyPair, readText, sshFiles, writeTextAtomic } from '../../adapters/ssh/files.js';
import { parsePublicKeyLine, pinHostKey } from '../../core/env/known-hosts.js';
import type { HostKey } from '../../core/env/known-hosts.js';
import {
  LABEL_ENV, LABEL_JUPYTER_PORT, LABEL_MANAGED, LABEL_PROJECT, LABEL_SSH_PORT, LABEL_USER, containerName, relayContainerName, sshAlias, volumeNames,
} from '../../core/env/naming.js';
import { CONTAINER_STATE_DIR, HOST_KEY_PUB, JUPYTER_PORT, WORKSPACE_DIR } from '../../core/env/types.js';
import { buildEnvironment } from './build.js';
import type { EnvDeps } from './deps.js';
import { connectFromState } from './connect.js';
import type { ConnectInfo } from './connect.js';
import { assertPortFree, freePort } from './ports.js';
import { loadEnvironment, registryAuth } from './project.js';
import { writeSshConfig } from './ssh-config.js';
import { saveDevState } from './state.js';
import type { DevState } from './state.js';
import { trackingAccess } from './tracking-access.js';

// `dap env up NAME`: image (built if needed) -> container with the developer's uid/gid and public
// key -> host key read through the Docker API and pinned -> first SSH exec verified against it.
// Any failure after the container exists removes it again: no half-started containers.

export interface UpOptions {
  sshPort?: number;
  jupyterPort?: number;
  identity?: string;
  writeSshConfig?: boolean;
  /** ssh://user@host when the engine is remote: ports are on its loopback, reached by ProxyJump */
  remoteHost?: string;
  /** mount the project directory at /workspace instead of the workspace volume */
  bindProject?: boolean;
}

export interface UpResult {
  name: string;
  container: string;
  image: string;
  reused: boolean;
  hostKey: string;
  /** MLFLOW_TRACKING_URI as the container sees it, without credentials (undefined: none set) */
  trackingUri?: string;
  /** what /workspace is: the `<container>-workspace` volume or the project directory */
  workspace: string;
  connect: ConnectInfo;
}

export async function upEnvironment(c: EnvDeps, name: string, opts: UpOptions = {}): Promise<UpResult> {
  await loadEnvironment(c.project, name); // unknown or invalid environment: say so before anything else
  const files = sshFiles(c.env);
  const key = await findKeyPair(files, opts.identity);
  const auth = keyAuth(await fs.readFile(key.privateKeyFile), c.env.SSH_AUTH_SOCK);
  if ('error' in auth) {
    throw new DapError(`cannot log in with ${key.privateKeyFile}: ${auth.error}`, { hint: 'start ssh-agent and `ssh-add` the key, or pass --identity with another key' });
  }
  const built = await buildEnvironment(c, name);
  const env = built.env;
  if (built.source === 'registry') {
    c.log.write(`pulling ${built.image}\n`);
    const st = await c.engine.pull(built.image, registryAuth(c.project.registry, c.env));
    if (st.error) throw new DapError(`pulling ${built.image} failed: ${st.error}`);
  }
  if (!env.ssh) throw new DapError(`environment ${name} has ssh: false; dev containers are reached over SSH`, { hint: 'set ssh: true in its environment.yaml' });
  if (opts.bindProject && opts.remoteHost) {
    throw new DapError('--bind-project needs a local engine: the project directory is on this machine', { hint: 'omit --bind-project (the workspace volume lives on the engine host) and copy code in with `rsync -e ssh`' });
  }

  const local = !opts.remoteHost;
  const hostIp = '127.0.0.1';
  const cname = containerName(c.project.name, name);
  const vols = volumeNames(c.project.name, name);
  const labels = { [LABEL_MANAGED]: 'true', [LABEL_ENV]: name, [LABEL_PROJECT]: c.project.name };
  const existing = await findContainer(c.engine, cname);
  if (existing) {
    // replace it: a fresh token and the current image; the volumes keep the files and host keys
    c.log.write(`replacing the existing container ${cname}\n`);
    await removeContainer(c.engine, cname);
  }
  // checked before anything is created (the replaced container's ports are free again by now)
  if (local && opts.sshPort) await assertPortFree(opts.sshPort, 'ssh');
  if (local && opts.jupyterPort && env.jupyter) await assertPortFree(opts.jupyterPort, 'jupyter');
  await Promise.all([ensureVolume(c.engine, vols.workspace, labels), ensureVolume(c.engine, vols.state, labels)]);
  const tracking = await trackingAccess(c, { relayName: relayContainerName(c.project.name, name), image: built.image, env, local, labels });

  const sshPort = opts.sshPort ?? await freePort();
  const jupyterPort = env.jupyter ? opts.jupyterPort ?? await freePort() : undefined;
  const token = env.jupyter ? randomBytes(24).toString('hex') : undefined;

  const uid = process.getuid?.() ?? 1000;
  const gid = process.getgid?.() ?? 1000;
  try {
    await createAndStart(c.engine, {
      name: cname,
      image: built.image,
      cmd: ['dap-dev'],
      env: {
        DAP_DEV: '1', DAP_UID: String(uid), DAP_GID: String(gid), DAP_USER: env.user, DAP_AUTHORIZED_KEYS: key.publicKey,
        ...(token ? { JUPYTER_TOKEN: token } : {}),
        ...(opts.bindProject ? { DAP_WORKSPACE_BIND: '1' } : {}),
        ...tracking.env, DAP_SESSION_ENV: Object.keys(tracking.env).filter((k) => k !== 'DAP_TRACKING_FORWARD').join(' '),
      },
      labels: {
        ...labels, [LABEL_SSH_PORT]: String(sshPort), [LABEL_USER]: env.user,
        ...(jupyterPort ? { [LABEL_JUPYTER_PORT]: String(jupyterPort) } : {}),
      },
      ports: jupyterPort ? { 22: sshPort, [JUPYTER_PORT]: jupyterPort } : { 22: sshPort },
      hostIp,
      volumes: opts.bindProject ? { [vols.state]: CONTAINER_STATE_DIR } : { [vols.workspace]: WORKSPACE_DIR, [vols.state]: CONTAINER_STATE_DIR },
      binds: opts.bindProject ? { [c.project.root]: WORKSPACE_DIR } : {},
      extraHosts: tracking.extraHosts,
      gpus: env.gpus,
    });
  } catch (err) {
    await tracking.remove();
    throw explainStartError(err, sshPort, jupyterPort);
  }

  try {
    const hostKey = await readHostKey(c.engine, cname);
    const alias = sshAlias(name);
    await writeTextAtomic(files.dapKnownHosts, pinHostKey(await readText(files.dapKnownHosts), alias, hostKey));
    const proxyJump = opts.remoteHost ? jumpOf(opts.remoteHost) : undefined;
    if (local) await waitForSsh({ port: sshPort, user: env.user, auth, hostKey });
    const state: DevState = {
      name, alias, container: cname, image: built.image, dockerHost: opts.remoteHost, proxyJump, hostIp, sshPort, jupyterPort,
      jupyterToken: token, user: env.user, identityFile: key.privateKeyFile, workspace: WORKSPACE_DIR, startedAt: new Date().toISOString(),
    };
    await saveDevState(c.env, state);
    if (opts.writeSshConfig !== false) await writeSshConfig(c.env);
    return {
      name, container: cname, image: built.image, reused: false, hostKey: `${hostKey.type} ${hostKey.base64}`,
      trackingUri: tracking.shownUri, workspace: opts.bindProject ? c.project.root : vols.workspace, connect: connectFromState(state, files),
    };
  } catch (err) {
    const logs = await containerTail(c.engine, cname);
    await removeContainer(c.engine, cname).catch(() => {});
    await tracking.remove();
    if (err instanceof DapError) throw err;
    throw new DapError(`dev container ${cname} did not come up: ${(err as Error).message}${logs ? `\n--- container log ---\n${logs}` : ''}`, {
      hint: `the container was removed; \`dap env render ${name}\` shows the image's Dockerfile`,
    });
  }
}

function jumpOf(dockerHost: string): string {
  const u = new URL(dockerHost);
  return `${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.hostname}${u.port ? `:${u.port}` : ''}`;
}

function explainStartError(err: unknown, sshPort: number, jupyterPort?: number): Error {
  const msg = (err as Error).message ?? String(err);
  if (/port is already allocated|address already in use|bind/i.test(msg)) {
    return new DapError(`a port for the dev container is already taken (ssh ${sshPort}${jupyterPort ? `, jupyter ${jupyterPort}` : ''}): ${msg.split('\n')[0]}`, {
      hint: 'choose other ports with --ssh-port/--jupyter-port, or omit them to get free ones',
    });
  }
  if (/could not select device driver|gpu/i.test(msg)) {
    return new DapError(`GPU passthrough failed: ${msg.split('\n')[0]}`, { hint: 'install the NVIDIA container toolkit on the engine host, or set gpu: false' });
  }
  return new DapError(`starting the dev container failed: ${msg}`);
}

/** The host key, read through the Docker API (docker exec), waiting for the first-start keygen. */
async function readHostKey(engine: DockerEngine, container: string): Promise<HostKey> {
  const script = `i=0; while [ ! -s ${HOST_KEY_PUB} ]; do i=$((i+1)); [ $i -lt 300 ] || exit 3; sleep 0.02; done; cat ${HOST_KEY_PUB}`;
  const res = await execIn(engine, container, ['sh', '-c', script]);
  const key = res.code === 0 ? parsePublicKeyLine(res.stdout) : undefined;
  if (!key) throw new Error(`no SSH host key appeared in the container (${res.stderr.trim() || `exit ${res.code}`})`);
  return key;
}

async function waitForSsh(t: { port: number; user: string; auth: KeyAuth; hostKey: HostKey }): Promise<void> {
  const deadline = Date.now() + 15_000;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const r = await sshExec({ host: '127.0.0.1', port: t.port, username: t.user, ...t.auth, pinned: [t.hostKey], readyTimeoutMs: 3000 }, 'true');
      if (r.code === 0) return;
      last = new Error(`ssh exec exited ${r.code}: ${r.stderr}`);
    } catch (err) {
      last = err;
      if (err instanceof HostKeyMismatchError) throw err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not accept the developer's key within 15 s (${(last as Error)?.message})`);
}

async function containerTail(engine: DockerEngine, name: string): Promise<string> {
  const { containerLogs } = await import('../../adapters/docker/containers.js');
  const chunks: Buffer[] = [];
  await containerLogs(engine, name, { follow: false, tail: 20 }, (b) => chunks.push(b)).catch(() => {});
  return Buffer.concat(chunks).toString('utf8').trim();
}
