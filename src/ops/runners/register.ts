import { dapEntry, entryCredentials, sameConfig, withDapEntry } from '../../core/runners/config-toml.js';
import type { RunnerHost } from '../../core/runners/inventory.js';
import type { GitlabRunners } from '../../adapters/gitlab/runners.js';
import type { SshSession } from '../../adapters/ssh/session.js';
import { HostError } from './context.js';
import { forEachHost, withLockedHost } from './each-host.js';
import type { HostResult, RunnersOpsContext } from './each-host.js';
import { ensureInstalled, ensureRunning, readHostConfig, writeHostConfig } from './host-config.js';

// `dap runners register`: converge each host to the inventory, hosts in parallel (bounded); one
// host's failure never stops the others.

export function registerHosts(hosts: readonly RunnerHost[], ctx: RunnersOpsContext): Promise<HostResult[]> {
  return forEachHost(hosts, ctx, (host) => withLockedHost(host, ctx, (session) => registerOne(host, session, ctx.gitlab)));
}

async function registerOne(host: RunnerHost, session: SshSession, gitlab: GitlabRunners): Promise<HostResult> {
  const installed = await ensureInstalled(session, host);
  const { config } = await readHostConfig(session, host);
  const entry = dapEntry(config, host);
  const current = entryCredentials(entry);
  const changes: string[] = installed ? ['installed gitlab-runner'] : [];
  let creds: { id: number; token: string; tokenExpiresAt?: string; obtainedAt?: string } | undefined;
  if (current && (await gitlab.verify(current.token)).valid) {
    creds = { ...current, obtainedAt: isoOf(entry?.token_obtained_at), tokenExpiresAt: isoOf(entry?.token_expires_at) };
    const remote = await gitlab.show(current.id);
    if (remote && settingsDiffer(remote, host)) {
      await gitlab.edit(current.id, host);
      changes.push('GitLab settings');
    }
  }
  let created: number | undefined;
  if (!creds) {
    if (current) await gitlab.remove(current.id); // its token is dead: the runner is useless
    const r = await gitlab.create(host);
    created = r.id;
    creds = { id: r.id, token: r.token, tokenExpiresAt: r.tokenExpiresAt };
  }
  try {
    const next = withDapEntry(config, host, {
      id: creds.id, token: creds.token, url: gitlab.url,
      tokenObtainedAt: creds.obtainedAt ?? new Date().toISOString(), tokenExpiresAt: creds.tokenExpiresAt,
    });
    const fileChanged = !sameConfig(config, next);
    if (fileChanged) {
      await writeHostConfig(session, host, next);
      changes.push('config.toml');
    }
    // a running gitlab-runner reloads a changed config.toml by itself; one that is not running is started
    if (await ensureRunning(session, host)) changes.push('started gitlab-runner');
    if (created !== undefined || fileChanged) {
      const check = await gitlab.verify(creds.token);
      if (!check.valid) throw new HostError(host.name, `${host.name}: GitLab does not accept the runner token after writing config.toml`);
    }
  } catch (err) {
    // a runner GitLab knows but no host holds would be an orphan: take it back
    if (created !== undefined) await gitlab.remove(created).catch(() => undefined);
    throw err;
  }
  if (created !== undefined) return { host: host.name, result: 'registered', runnerId: creds.id, detail: `${host.executor}, concurrent ${host.concurrent}` };
  if (changes.length) return { host: host.name, result: 'updated', runnerId: creds.id, detail: changes.join(', ') };
  return { host: host.name, result: 'unchanged', runnerId: creds.id };
}

function isoOf(v: unknown): string | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) || v.getUTCFullYear() <= 1 ? undefined : v.toISOString();
  return typeof v === 'string' ? v : undefined;
}

function settingsDiffer(remote: { tag_list?: string[]; run_untagged?: boolean; locked?: boolean; maximum_timeout?: number | null }, host: RunnerHost): boolean {
  const tags = (xs: readonly string[] = []) => [...xs].sort().join(',');
  return tags(remote.tag_list) !== tags(host.tags) || remote.run_untagged !== host.runUntagged || remote.locked !== host.locked
    || (host.maximumTimeout !== undefined && remote.maximum_timeout !== host.maximumTimeout);
}
