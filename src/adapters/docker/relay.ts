import type { DockerEngine } from './engine.js';
import { removeContainer } from './containers.js';
import { FORWARD_SCRIPT } from '../../core/env/tracking-uri.js';

// A TCP relay in a small container on the host's network: it listens on one address the dev
// containers can reach (the bridge gateway) and forwards to one port on the host's loopback. It
// runs the node binary of a dap image, so it needs no other image; `restart: unless-stopped`
// keeps it up across engine restarts, and it is removed with its dev container.

export interface RelaySpec {
  name: string;
  image: string;
  /** the node binary inside `image` */
  node: string;
  listenHost: string;
  listenPort: number;
  targetPort: number;
  labels: Record<string, string>;
}

/**
 * The default bridge's gateway address on a local engine: what `host-gateway` resolves to inside
 * containers. The default bridge often leaves IPAM's Gateway empty; then Docker gives its interface
 * (docker0) the subnet's first address.
 */
export async function bridgeGateway(engine: DockerEngine): Promise<string> {
  const info = await engine.docker.getNetwork('bridge').inspect() as { IPAM?: { Config?: Array<{ Gateway?: string; Subnet?: string }> } };
  const v4 = info.IPAM?.Config?.find((c) => (c.Gateway ?? c.Subnet ?? '').includes('.'));
  if (v4?.Gateway) return v4.Gateway;
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(v4?.Subnet ?? '');
  if (!m) throw new Error('the Docker bridge network has no IPv4 gateway or subnet');
  const base = m.slice(1, 5).reduce((n, octet) => n * 256 + Number(octet), 0);
  const first = base + 1;
  return [24, 16, 8, 0].map((shift) => Math.floor(first / 2 ** shift) % 256).join('.');
}

export async function startRelay(engine: DockerEngine, spec: RelaySpec): Promise<void> {
  await removeContainer(engine, spec.name);
  const container = await engine.docker.createContainer({
    name: spec.name,
    Image: spec.image,
    Entrypoint: [spec.node, '-e', FORWARD_SCRIPT],
    Cmd: [],
    Env: [`FORWARD_LISTEN_HOST=${spec.listenHost}`, `FORWARD_LISTEN_PORT=${spec.listenPort}`, 'FORWARD_TARGET_HOST=127.0.0.1', `FORWARD_TARGET_PORT=${spec.targetPort}`],
    Labels: spec.labels,
    User: 'nobody',
    HostConfig: { NetworkMode: 'host', RestartPolicy: { Name: 'unless-stopped' }, Init: true },
  });
  try {
    await container.start();
  } catch (err) {
    await container.remove({ force: true }).catch(() => {});
    throw err;
  }
}
