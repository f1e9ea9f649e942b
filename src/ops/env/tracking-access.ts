import { bridgeGateway, startRelay } from '../../adapters/docker/relay.js';
import { removeContainer } from '../../adapters/docker/containers.js';
import { redactUrl } from '../../adapters/http/index.js';
import { LABEL_ROLE } from '../../core/env/naming.js';
import { HOST_GATEWAY_NAME, TRACKING_VARIABLES, forwardSpec, loopbackTarget } from '../../core/env/tracking-uri.js';
import type { ResolvedEnvironment } from '../../core/env/types.js';
import type { EnvDeps } from './deps.js';
import { freePort } from './ports.js';

// `dap track` inside a dev container reaches the same tracking server as on the host: the MLflow
// variables are passed in unchanged, and a server on the host's loopback is reached through a
// forwarder on the same address inside the container and a relay on the bridge gateway (a
// container cannot reach the host's 127.0.0.1 otherwise; see core/env/tracking-uri.ts).

/** The node binary the dap CLI layer puts in every image with dap: true. */
const IMAGE_NODE = '/opt/dap-cli/node/bin/node';

export interface TrackingAccess {
  /** variables for the container (plus DAP_TRACKING_FORWARD when relayed) */
  env: Record<string, string>;
  extraHosts: string[];
  /** MLFLOW_TRACKING_URI as given to the container, credentials removed (for output) */
  shownUri?: string;
  /** removes the relay (after a failed start, or with the container) */
  remove: () => Promise<void>;
}

/** The URI as written, credentials removed. */
const shown = (uri: string | undefined) => (uri ? redactUrl(uri) : uri);

export async function trackingAccess(c: EnvDeps, o: { relayName: string; image: string; env: ResolvedEnvironment; local: boolean; labels: Record<string, string> }): Promise<TrackingAccess> {
  const env: Record<string, string> = {};
  for (const name of TRACKING_VARIABLES) if (c.env[name]) env[name] = c.env[name]!;
  const none = { env, shownUri: shown(env.MLFLOW_TRACKING_URI), extraHosts: [], remove: async () => { await removeContainer(c.engine, o.relayName).catch(() => false); } };
  await none.remove(); // a relay from an earlier `up` of this environment
  const uri = env.MLFLOW_TRACKING_URI;
  const target = uri ? loopbackTarget(uri) : undefined;
  if (!uri || !target) return none;
  if (!o.local || !o.env.dap) {
    c.log.write(`note: MLFLOW_TRACKING_URI=${shown(uri)} is on this machine's loopback, which the container cannot reach${o.local ? ' (dap: false: no relay)' : ' (remote engine)'}; set it to the server's network address\n`);
    return none;
  }
  const gateway = await bridgeGateway(c.engine);
  const listenPort = await freePort(gateway);
  await startRelay(c.engine, {
    name: o.relayName, image: o.image, node: IMAGE_NODE, listenHost: gateway, listenPort, targetPort: target.port,
    labels: { ...o.labels, [LABEL_ROLE]: 'tracking-relay' },
  });
  c.log.write(`tracking: ${shown(uri)} is forwarded from inside the container through ${HOST_GATEWAY_NAME} (relay ${gateway}:${listenPort})\n`);
  return {
    env: { ...env, DAP_TRACKING_FORWARD: forwardSpec(target, listenPort) }, shownUri: shown(uri),
    extraHosts: [`${HOST_GATEWAY_NAME}:host-gateway`], remove: none.remove,
  };
}
