// The tracking server as a dev container sees it. A URI on the host's loopback (a local MLflow on
// 127.0.0.1) means nothing inside the container: it is rewritten to the host gateway name, where
// `dap env up` relays that one port to the host's loopback. Any other URI is passed unchanged.

/** The variables a dev container gets so that `dap track` and mlflow reach the tracking server. */
export const TRACKING_VARIABLES = [
  'MLFLOW_TRACKING_URI', 'MLFLOW_TRACKING_USERNAME', 'MLFLOW_TRACKING_PASSWORD', 'MLFLOW_TRACKING_TOKEN',
  'MLFLOW_TRACKING_INSECURE_TLS', 'DAP_TRACKING_REQUIRED',
] as const;

/** The name containers resolve to the engine host (Docker's `host-gateway`). */
export const HOST_GATEWAY_NAME = 'host.docker.internal';

export interface LoopbackTarget { port: number }

/** The port of an http(s) URI on the host's loopback (127.0.0.0/8, localhost, ::1); undefined otherwise. */
export function loopbackTarget(uri: string): LoopbackTarget | undefined {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (host !== 'localhost' && host !== '::1' && !/^127\.\d+\.\d+\.\d+$/.test(host)) return undefined;
  return { port: u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80 };
}

/** The same URI pointing at the host gateway's relay port (path, query and credentials kept). */
export function viaHostGateway(uri: string, relayPort: number): string {
  const u = new URL(uri);
  u.hostname = HOST_GATEWAY_NAME;
  u.port = String(relayPort);
  return u.toString().replace(/\/$/, uri.endsWith('/') ? '/' : '');
}
