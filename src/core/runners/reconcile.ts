import { dapEntry, entryCredentials } from './config-toml.js';
import type { RunnerConfig } from './config-toml.js';
import { DESCRIPTION_PREFIX } from './inventory.js';
import type { RunnerHost } from './inventory.js';

// `dap runners status`: GitLab's view of dap's runners against what each host's config.toml says
// and what the inventory asks for. Pure: the operation gathers both sides.

/** A runner as GitLab shows it (GET /runners/:id), the fields status needs. */
export interface GitlabRunner {
  id: number;
  description: string;
  online?: boolean | null;
  status?: string;
  contacted_at?: string | null;
  tag_list?: string[];
  run_untagged?: boolean;
  locked?: boolean;
  maximum_timeout?: number | null;
}

/** What dap saw on one host. */
export type HostObservation =
  | { host: RunnerHost; reachable: true; config: RunnerConfig; tokenKnown?: boolean }
  | { host: RunnerHost; reachable: false; error: string };

export type HostState = 'ok' | 'drift' | 'offline' | 'not-registered' | 'stale-token' | 'missing-in-gitlab' | 'unreachable';

export interface HostStatus {
  host: string;
  state: HostState;
  runnerId?: number;
  online?: boolean;
  contactedAt?: string | null;
  /** what differs from the inventory, e.g. "tags: gitlab [a] / inventory [a, gpu]" */
  drift: string[];
  detail?: string;
}

export interface StatusReport {
  hosts: HostStatus[];
  /** dap's runners in GitLab that no host's config.toml holds */
  orphans: Array<{ id: number; description: string; online?: boolean; contactedAt?: string | null }>;
  ok: boolean;
}

export function isDapRunner(r: { description?: string | null }): boolean {
  return typeof r.description === 'string' && r.description.startsWith(DESCRIPTION_PREFIX);
}

export function reconcile(observations: readonly HostObservation[], gitlab: readonly GitlabRunner[]): StatusReport {
  const byId = new Map(gitlab.map((r) => [r.id, r]));
  const claimed = new Set<number>();
  const hosts = observations.map((o): HostStatus => {
    if (!o.reachable) return { host: o.host.name, state: 'unreachable', drift: [], detail: o.error };
    const creds = entryCredentials(dapEntry(o.config, o.host));
    if (!creds) return { host: o.host.name, state: 'not-registered', drift: [], detail: 'no dap runner in config.toml (run dap runners register)' };
    claimed.add(creds.id);
    const runner = byId.get(creds.id);
    if (o.tokenKnown === false) return { host: o.host.name, state: 'stale-token', runnerId: creds.id, drift: [], detail: 'GitLab does not know the token in config.toml' };
    if (!runner) return { host: o.host.name, state: 'missing-in-gitlab', runnerId: creds.id, drift: [], detail: `runner #${creds.id} is not in GitLab` };
    const drift = driftOf(o.host, o.config, runner);
    const online = runner.online ?? runner.status === 'online';
    const state: HostState = drift.length ? 'drift' : online ? 'ok' : 'offline';
    return { host: o.host.name, state, runnerId: runner.id, online, contactedAt: runner.contacted_at ?? null, drift };
  });
  // a runner is an orphan only when every host was seen: an unreachable host may hold it
  const allSeen = observations.every((o) => o.reachable);
  const orphans = allSeen
    ? gitlab.filter((r) => isDapRunner(r) && !claimed.has(r.id)).map((r) => ({ id: r.id, description: r.description, online: r.online ?? undefined, contactedAt: r.contacted_at ?? null }))
    : [];
  return { hosts, orphans, ok: hosts.every((h) => h.state === 'ok') && orphans.length === 0 };
}

function driftOf(host: RunnerHost, config: RunnerConfig, runner: GitlabRunner): string[] {
  const out: string[] = [];
  const list = (xs: readonly string[]) => `[${[...xs].sort().join(', ')}]`;
  if (runner.tag_list && list(runner.tag_list) !== list(host.tags)) out.push(`tags: gitlab ${list(runner.tag_list)}, inventory ${list(host.tags)}`);
  if (runner.run_untagged !== undefined && runner.run_untagged !== host.runUntagged) out.push(`run_untagged: gitlab ${runner.run_untagged}, inventory ${host.runUntagged}`);
  if (config.concurrent !== host.concurrent) out.push(`concurrent: config.toml ${String(config.concurrent ?? 'unset')}, inventory ${host.concurrent}`);
  const executor = dapEntry(config, host)?.executor;
  if (executor !== host.executor) out.push(`executor: config.toml ${String(executor ?? 'unset')}, inventory ${host.executor}`);
  return out;
}
