import { dapEntry, entryCredentials, withoutDapEntry } from '../../core/runners/config-toml.js';
import type { RunnerHost } from '../../core/runners/inventory.js';
import type { StatusReport } from '../../core/runners/reconcile.js';
import { forEachHost, withLockedHost } from './each-host.js';
import type { HostResult, RunnersOpsContext } from './each-host.js';
import { readHostConfig, writeHostConfig } from './host-config.js';

// `dap runners unregister HOST…` (GitLab and the host's config.toml) and `dap runners prune`
// (dap's runners in GitLab that no host holds).

export function unregisterHosts(hosts: readonly RunnerHost[], ctx: RunnersOpsContext): Promise<HostResult[]> {
  return forEachHost(hosts, ctx, (host) => withLockedHost(host, ctx, async (session) => {
    const { config } = await readHostConfig(session, host);
    const creds = entryCredentials(dapEntry(config, host));
    if (!dapEntry(config, host)) return { host: host.name, result: 'not-registered' };
    // DELETE /runners authenticates with the runner's own token; the id is the fallback for a token GitLab no longer knows
    if (creds && !(await ctx.gitlab.removeByToken(creds.token))) await ctx.gitlab.remove(creds.id);
    await writeHostConfig(session, host, withoutDapEntry(config, host)); // the runner reloads it by itself
    return { host: host.name, result: 'unregistered', runnerId: creds?.id };
  }));
}

export interface PruneResult { removed: Array<{ id: number; description: string }>; failed: Array<{ id: number; description: string; error: string }> }

export async function pruneOrphans(report: StatusReport, ctx: RunnersOpsContext): Promise<PruneResult> {
  const out: PruneResult = { removed: [], failed: [] };
  for (const o of report.orphans) {
    try {
      await ctx.gitlab.remove(o.id);
      out.removed.push({ id: o.id, description: o.description });
    } catch (err) {
      out.failed.push({ id: o.id, description: o.description, error: (err as Error).message });
    }
  }
  return out;
}
