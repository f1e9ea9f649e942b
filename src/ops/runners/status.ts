import pLimit from 'p-limit';
import { dapEntry, entryCredentials } from '../../core/runners/config-toml.js';
import type { RunnerHost } from '../../core/runners/inventory.js';
import { isDapRunner, reconcile } from '../../core/runners/reconcile.js';
import type { GitlabRunner, HostObservation, StatusReport } from '../../core/runners/reconcile.js';
import type { GitlabRunners } from '../../adapters/gitlab/runners.js';
import { connectHost } from './context.js';
import { failureText } from './each-host.js';
import type { RunnersOpsContext } from './each-host.js';
import { readHostConfig } from './host-config.js';

// `dap runners status`: read every host's config.toml (no lock: reading only) and GitLab's
// runners, then reconcile them.

export async function runnersStatus(hosts: readonly RunnerHost[], ctx: RunnersOpsContext): Promise<StatusReport> {
  const limit = pLimit(ctx.parallel);
  const [observations, gitlab] = await Promise.all([
    Promise.all(hosts.map((host) => limit(() => observe(host, ctx)))),
    dapRunnersInGitlab(hosts, ctx.gitlab, ctx.parallel),
  ]);
  return reconcile(observations, gitlab);
}

async function observe(host: RunnerHost, ctx: RunnersOpsContext): Promise<HostObservation> {
  try {
    const session = await connectHost(host, ctx.keys, ctx.env);
    try {
      const { config } = await readHostConfig(session, host);
      const creds = entryCredentials(dapEntry(config, host));
      const tokenKnown = creds ? (await ctx.gitlab.verify(creds.token)).valid : undefined;
      return { host, reachable: true, config, tokenKnown };
    } finally {
      session.close();
    }
  } catch (err) {
    return { host, reachable: false, error: failureText(host, err) };
  }
}

/** dap's runners (description dap/…) with their details; project runners when every host is a project runner, else all. */
export async function dapRunnersInGitlab(hosts: readonly RunnerHost[], gitlab: GitlabRunners, parallel: number): Promise<GitlabRunner[]> {
  const projects = [...new Set(hosts.map((h) => h.projectId))];
  const scope = hosts.length && hosts.every((h) => h.runnerType === 'project') ? (projects as number[]) : 'all';
  const listed = (await gitlab.list(scope)).filter(isDapRunner);
  const limit = pLimit(parallel);
  const detailed = await Promise.all(listed.map((r) => limit(async () => (await gitlab.show(r.id)) ?? r)));
  return detailed;
}
