// The tracking server as a dev container sees it. A URI on the host's loopback (a local MLflow on
// 127.0.0.1) means nothing inside the container, and rewriting its host would be refused by
// MLflow's Host-header check (DNS-rebinding protection accepts loopback names only). So the URI is
// kept as it is: inside the container a forwarder listens on the same loopback address and port
// and passes the bytes to the host gateway, where a relay on the host passes them to the server.

/** The variables a dev container gets so that `dap track` and mlflow reach the tracking server. */
export const TRACKING_VARIABLES = [
  'MLFLOW_TRACKING_URI', 'MLFLOW_TRACKING_USERNAME', 'MLFLOW_TRACKING_PASSWORD', 'MLFLOW_TRACKING_TOKEN',
  'MLFLOW_TRACKING_INSECURE_TLS', 'DAP_TRACKING_REQUIRED',
] as const;

/** The name containers resolve to the engine host (Docker's `host-gateway`). */
export const HOST_GATEWAY_NAME = 'host.docker.internal';

export interface LoopbackTarget {
  /** the address to listen on inside the container: the URI's own loopback address */
  address: string;
  port: number;
}

/** The loopback address and port of an http(s) URI on the host's loopback; undefined otherwise. */
export function loopbackTarget(uri: string): LoopbackTarget | undefined {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const address = host === 'localhost' ? '127.0.0.1' : host;
  if (address !== '::1' && !/^127\.\d+\.\d+\.\d+$/.test(address)) return undefined;
  return { address, port: u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80 };
}

/** DAP_TRACKING_FORWARD for the entrypoint: `listen-address|port|target-host|target-port`. */
export function forwardSpec(target: LoopbackTarget, relayPort: number): string {
  return [target.address, target.port, HOST_GATEWAY_NAME, relayPort].join('|');
}

/**
 * A TCP forwarder (node, no dependencies): listens on FORWARD_LISTEN_HOST:FORWARD_LISTEN_PORT and
 * pipes each connection to FORWARD_TARGET_HOST:FORWARD_TARGET_PORT. Used twice: the relay on the
 * host's network and the forwarder inside the dev container.
 */
export const FORWARD_SCRIPT = `
const net = require('net');
const e = process.env;
net.createServer((client) => {
  const upstream = net.connect(Number(e.FORWARD_TARGET_PORT), e.FORWARD_TARGET_HOST);
  client.pipe(upstream).pipe(client);
  const close = () => { client.destroy(); upstream.destroy(); };
  client.on('error', close);
  upstream.on('error', close);
}).listen(Number(e.FORWARD_LISTEN_PORT), e.FORWARD_LISTEN_HOST, () => {
  console.log('dap forward ' + e.FORWARD_LISTEN_HOST + ':' + e.FORWARD_LISTEN_PORT + ' -> ' + e.FORWARD_TARGET_HOST + ':' + e.FORWARD_TARGET_PORT);
});
`;
