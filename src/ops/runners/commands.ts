import { createInterface } from 'node:readline/promises';
import { ExitCode, UsageError } from '../../errors.js';
import { selectHosts } from '../../core/runners/inventory.js';
import type { RunnerHost } from '../../core/runners/inventory.js';
import { helmValues } from '../../core/runners/k8s-values.js';
import type { StatusReport } from '../../core/runners/reconcile.js';
import { GitlabRunners } from '../../adapters/gitlab/runners.js';
import { findInventory, loadInventory, rejectUnknownHosts } from './context.js';
import { registerHosts } from './register.js';
import type { HostResult, RunnersOpsContext } from './each-host.js';
import { runnersStatus } from './status.js';
import { pruneOrphans, unregisterHosts } from './remove.js';

// The `dap runners` commands end to end: inventory in, one line per host (or JSON) out, an exit
// code that says whether anything failed. src/cli/commands/runners.ts only declares options.

export interface RunnersOptions {
  inventory?: string;
  json?: boolean;
  parallel?: number;
  acceptNewHostKeys?: boolean;
  yes?: boolean;
}

interface Io { out: NodeJS.WritableStream & { isTTY?: boolean }; err: NodeJS.WritableStream; stdinIsTTY: boolean }
const defaultIo = (): Io => ({ out: process.stdout, err: process.stderr, stdinIsTTY: Boolean(process.stdin.isTTY) });

async function hostsFor(o: RunnersOptions, names: readonly string[]): Promise<RunnerHost[]> {
  const all = await loadInventory(findInventory(o.inventory));
  const { hosts, unknown } = selectHosts(all, names);
  rejectUnknownHosts(unknown);
  return hosts;
}

async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

function context(o: RunnersOptions, io: Io, live: boolean): RunnersOpsContext {
  return {
    gitlab: GitlabRunners.fromEnv(process.env, { onWait: (status, ms, endpoint, told) => io.err.write(`GitLab answered ${status} on ${endpoint}: waiting ${Math.ceil(ms / 1000)} s${told ? ' (Retry-After)' : ''}\n`) }),
    keys: {
      acceptNew: Boolean(o.acceptNewHostKeys),
      confirm: !o.acceptNewHostKeys && io.stdinIsTTY && !o.json ? ask : undefined,
      onPinned: (host, fp) => io.err.write(`${host.name}: pinned host key SHA256:${fp} in dap's known_hosts\n`),
    },
    env: process.env,
    parallel: o.parallel ?? 8,
    onResult: live && !o.json ? (r) => io.out.write(resultLine(r) + '\n') : undefined,
  };
}

export function resultLine(r: HostResult): string {
  const id = r.runnerId !== undefined ? `runner #${r.runnerId}` : '';
  if (r.result === 'failed') return `${r.host}  FAILED  ${r.detail ?? ''}`.trimEnd();
  return [r.host, r.result, id, r.detail ? `(${r.detail})` : ''].filter(Boolean).join('  ');
}

function finish(results: HostResult[], o: RunnersOptions, io: Io): number {
  if (o.json) io.out.write(JSON.stringify({ hosts: results }, null, 2) + '\n');
  const failed = results.filter((r) => r.result === 'failed');
  if (failed.length) io.err.write(`dap: ${failed.length} of ${results.length} host${results.length === 1 ? '' : 's'} failed: ${failed.map((f) => f.host).join(', ')}\n`);
  return failed.length ? ExitCode.failure : ExitCode.ok;
}

export async function validateCommand(o: RunnersOptions, io = defaultIo()): Promise<number> {
  const file = findInventory(o.inventory);
  const hosts = await loadInventory(file);
  io.out.write(o.json ? JSON.stringify({ file, hosts: hosts.map((h) => h.name) }) + '\n' : `ok: ${hosts.length} runner host${hosts.length === 1 ? '' : 's'} (${hosts.map((h) => h.name).join(', ')})\n`);
  return ExitCode.ok;
}

export async function registerCommand(names: string[], o: RunnersOptions, io = defaultIo()): Promise<number> {
  const hosts = await hostsFor(o, names);
  return finish(await registerHosts(hosts, context(o, io, true)), o, io);
}

export async function unregisterCommand(names: string[], o: RunnersOptions, io = defaultIo()): Promise<number> {
  if (!names.length) throw new UsageError('name the hosts to unregister', 'dap runners unregister HOST… (dap runners prune removes runners no host holds)');
  const hosts = await hostsFor(o, names);
  return finish(await unregisterHosts(hosts, context(o, io, true)), o, io);
}

export async function statusCommand(o: RunnersOptions, format: (r: StatusReport) => string, io = defaultIo()): Promise<number> {
  const hosts = await hostsFor(o, []);
  const report = await runnersStatus(hosts, context(o, io, false));
  io.out.write(o.json ? JSON.stringify(report, null, 2) + '\n' : format(report));
  return report.ok ? ExitCode.ok : ExitCode.failure;
}

export async function pruneCommand(o: RunnersOptions, io = defaultIo()): Promise<number> {
  const hosts = await hostsFor(o, []);
  const ctx = context(o, io, false);
  const report = await runnersStatus(hosts, ctx);
  const unreachable = report.hosts.filter((h) => h.state === 'unreachable');
  if (unreachable.length) {
    for (const h of unreachable) io.err.write(`${h.detail}\n`);
    io.err.write(`dap: not pruning: an unreachable host may still hold a runner (${unreachable.map((h) => h.host).join(', ')})\n`);
    return ExitCode.failure;
  }
  if (!report.orphans.length) {
    io.out.write(o.json ? JSON.stringify({ removed: [], failed: [] }) + '\n' : 'no orphaned runners\n');
    return ExitCode.ok;
  }
  if (!o.json) for (const r of report.orphans) io.out.write(`orphan: runner #${r.id} ${r.description} (in GitLab, on no host)\n`);
  if (!o.yes) {
    if (!io.stdinIsTTY) throw new UsageError(`${report.orphans.length} orphaned runner(s) found; not deleting without confirmation`, 'run again with --yes');
    if (!(await ask(`Delete ${report.orphans.length} runner(s) from GitLab?`))) return ExitCode.failure;
  }
  const result = await pruneOrphans(report, ctx);
  if (o.json) io.out.write(JSON.stringify(result, null, 2) + '\n');
  else for (const r of result.removed) io.out.write(`removed runner #${r.id} ${r.description}\n`);
  for (const f of result.failed) io.err.write(`dap: runner #${f.id} ${f.description}: ${f.error}\n`);
  return result.failed.length ? ExitCode.failure : ExitCode.ok;
}

export async function k8sValuesCommand(name: string, o: RunnersOptions & { gitlabUrl?: string; secret?: string }, io = defaultIo()): Promise<number> {
  const [host] = await hostsFor(o, [name]);
  const url = o.gitlabUrl ?? process.env.GITLAB_URL;
  if (!url) throw new UsageError('which GitLab?', 'pass --gitlab-url URL or set GITLAB_URL');
  io.out.write(helmValues(host!, url, o.secret));
  return ExitCode.ok;
}
