import type { DockerEngine } from './engine.js';
import { removeContainer } from './containers.js';

// A TCP relay in a small container on the host's network: it listens on one address the dev
// containers can reach (the bridge gateway) and forwards to one port on the host's loopback. It
// runs the node binary of a dap image, so it needs no other image; `restart: unless-stopped`
// keeps it up across engine restarts, and it is removed with its dev container.

const RELAY_SCRIPT = `
const net = require('net');
const [listenHost, listenPort, targetPort] = [process.env.RELAY_LISTEN_HOST, Number(process.env.RELAY_LISTEN_PORT), Number(process.env.RELAY_TARGET_PORT)];
net.createServer((client) => {
  const upstream = net.connect(targetPort, '127.0.0.1');
  client.pipe(upstream).pipe(client);
  const close = () => { client.destroy(); upstream.destroy(); };
  client.on('error', close); upstream.on('error', close);
}).listen(listenPort, listenHost, () => console.log('relay ' + listenHost + ':' + listenPort + ' -> 127.0.0.1:' + targetPort));
`;

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

/** The bridge network's gateway address: what `host-gateway` resolves to inside containers. */
export async function bridgeGateway(engine: DockerEngine): Promise<string> {
  const info = await engine.docker.getNetwork('bridge').inspect() as { IPAM?: { Config?: Array<{ Gateway?: string }> } };
  const gateway = info.IPAM?.Config?.find((c) => c.Gateway && !c.Gateway.includes(':'))?.Gateway;
  if (!gateway) throw new Error('the Docker bridge network has no IPv4 gateway');
  return gateway;
}

export async function startRelay(engine: DockerEngine, spec: RelaySpec): Promise<void> {
  await removeContainer(engine, spec.name);
  const container = await engine.docker.createContainer({
    name: spec.name,
    Image: spec.image,
    Entrypoint: [spec.node, '-e', RELAY_SCRIPT],
    Cmd: [],
    Env: [`RELAY_LISTEN_HOST=${spec.listenHost}`, `RELAY_LISTEN_PORT=${spec.listenPort}`, `RELAY_TARGET_PORT=${spec.targetPort}`],
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
