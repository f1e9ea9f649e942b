import path from 'node:path';
import { formatProblem } from '../../errors.js';
import { parseRunnerConfig, renderRunnerConfig } from '../../core/runners/config-toml.js';
import type { RunnerConfig } from '../../core/runners/config-toml.js';
import { installSteps } from '../../core/runners/install.js';
import type { RunnerHost } from '../../core/runners/inventory.js';
import type { SshSession } from '../../adapters/ssh/session.js';
import { HostError } from './context.js';

// A host's config.toml under a per-host lock: a remote flock held by an open SSH command, so two
// dap runs on the same inventory take turns per host, and a crashed run's lock dies with its session.

const LOCK_WAIT_SECONDS = 120;

export function configFile(host: RunnerHost): string {
  return path.posix.join(host.configDir, 'config.toml');
}

export async function lockHost(session: SshSession, host: RunnerHost): Promise<() => void> {
  const dir = host.configDir;
  const cmd = `mkdir -p ${dir} && chmod 700 ${dir} && exec flock -w ${LOCK_WAIT_SECONDS} ${dir}/.dap.lock sh -c 'echo ready; exec cat >/dev/null'`;
  try {
    const { release } = await session.hold(cmd, (LOCK_WAIT_SECONDS + 10) * 1000);
    return release;
  } catch (err) {
    throw new HostError(host.name, `${host.name}: could not take the lock ${dir}/.dap.lock (${(err as Error).message})`);
  }
}

/** The host's config as data; a file that is not TOML is refused with its position, never overwritten. */
export async function readHostConfig(session: SshSession, host: RunnerHost): Promise<{ config: RunnerConfig; existed: boolean }> {
  const file = configFile(host);
  const text = await session.readFile(file);
  if (text === undefined) return { config: {}, existed: false };
  const parsed = parseRunnerConfig(text, `${host.name}:${file}`);
  if (!parsed.ok) throw new HostError(host.name, `${formatProblem(parsed.problem).trimEnd()}\n${host.name}: refusing to overwrite ${file}; fix or remove it`);
  return { config: parsed.config, existed: true };
}

export async function writeHostConfig(session: SshSession, host: RunnerHost, config: RunnerConfig): Promise<void> {
  try {
    await session.writeFileAtomic(configFile(host), renderRunnerConfig(config), 0o600);
  } catch (err) {
    throw new HostError(host.name, `${host.name}: writing ${configFile(host)} failed (${(err as Error).message})`);
  }
}

async function run(session: SshSession, host: RunnerHost, script: string, what: string): Promise<string> {
  const r = await session.exec(script);
  if (r.code !== 0) throw new HostError(host.name, `${host.name}: ${what} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  return r.stdout;
}

/** gitlab-runner there as the inventory says; true when it was installed now. */
export async function ensureInstalled(session: SshSession, host: RunnerHost): Promise<boolean> {
  return (await run(session, host, installSteps(host).ensure, `installing gitlab-runner (install: ${host.install})`)).includes('installed');
}

/** true when gitlab-runner was not running and had to be started. */
export async function ensureRunning(session: SshSession, host: RunnerHost): Promise<boolean> {
  return (await run(session, host, installSteps(host).reload, 'starting gitlab-runner')).includes('started');
}
