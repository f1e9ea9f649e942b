import pLimit from 'p-limit';
import { DapError } from '../../errors.js';
import type { RunnerHost } from '../../core/runners/inventory.js';
import type { GitlabRunners } from '../../adapters/gitlab/runners.js';
import type { SshSession } from '../../adapters/ssh/session.js';
import { HostError, connectHost } from './context.js';
import type { HostKeyPolicy } from './context.js';
import { lockHost } from './host-config.js';

// What every per-host command does the same way: hosts in parallel under a bound (p-limit), one
// result per host, a failure on one host recorded as its result while the others go on.

export type RegisterOutcome = 'registered' | 'updated' | 'unchanged' | 'failed';

export interface HostResult {
  host: string;
  result: RegisterOutcome | 'unregistered' | 'not-registered';
  runnerId?: number;
  /** what changed, or why it failed */
  detail?: string;
}

export interface RunnersOpsContext {
  gitlab: GitlabRunners;
  keys: HostKeyPolicy;
  /** HOME (known_hosts, ~ in identity_file) and SSH_AUTH_SOCK come from here */
  env: NodeJS.ProcessEnv;
  parallel: number;
  /** each host's result as soon as it is known (progress) */
  onResult?: (r: HostResult) => void;
}

export async function forEachHost(hosts: readonly RunnerHost[], ctx: RunnersOpsContext, one: (host: RunnerHost) => Promise<HostResult>): Promise<HostResult[]> {
  const limit = pLimit(ctx.parallel);
  return Promise.all(hosts.map((host) => limit(async () => {
    let r: HostResult;
    try {
      r = await one(host);
    } catch (err) {
      r = { host: host.name, result: 'failed', detail: failureText(host, err) };
    }
    ctx.onResult?.(r);
    return r;
  })));
}

export function failureText(host: RunnerHost, err: unknown): string {
  if (err instanceof HostError) return err.message;
  if (err instanceof DapError) return `${host.name}: ${err.message}${err.hint ? `; hint: ${err.hint}` : ''}`;
  return `${host.name}: ${(err as Error).message ?? String(err)}`;
}

/** Open a session, take the host's lock, run `fn`, always let go of both. */
export async function withLockedHost<T>(host: RunnerHost, ctx: RunnersOpsContext, fn: (session: SshSession) => Promise<T>): Promise<T> {
  const session = await connectHost(host, ctx.keys, ctx.env);
  try {
    const release = await lockHost(session, host);
    try {
      return await fn(session);
    } finally {
      release();
    }
  } finally {
    session.close();
  }
}
