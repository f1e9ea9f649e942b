// `dap doctor`: which checks apply (from the resolved environment and the inventory), run them,
// and the exit code. Every check lives in its own module of this directory.

import type { RunnerHost } from '../../core/runners/inventory.js';
import { doctorExitCode, summarize, type CheckResult } from '../../core/doctor/model.js';
import { ProblemsError, UsageError } from '../../errors.js';
import { findInventory, loadInventory } from '../runners/context.js';
import { gitlabChain } from './gitlab.js';
import { hostChain } from './hosts.js';
import { journalChain } from './journal.js';
import { mlflowChain } from './mlflow.js';
import { runChains, type Chain } from './runner.js';
import { runnersChain } from './runners.js';
import { tlsChain, tlsTargets } from './tls.js';

export const GROUPS = ['gitlab', 'runners', 'mlflow', 'hosts', 'tls', 'local'] as const;
export type Group = (typeof GROUPS)[number];

export interface DoctorOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** per check, ms */
  timeoutMs?: number;
  project?: string;
  /** infrastructure/runners.yaml, read with `dap runners`' parser (default: $DAP_INVENTORY, or found upward from cwd) */
  inventory?: string;
  only?: Group[];
  strict?: boolean;
  onResult?: (r: CheckResult) => void;
}

export interface DoctorResult { results: CheckResult[]; summary: ReturnType<typeof summarize>; exitCode: number; inventory?: string }

/** The inventory of `dap runners` (infrastructure/runners.yaml); none is fine (no host or runner checks). */
function inventoryFile(opts: DoctorOptions, env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  try {
    return findInventory(opts.inventory ?? env.DAP_INVENTORY, cwd);
  } catch (e) {
    if (e instanceof UsageError && !opts.inventory && !env.DAP_INVENTORY) return undefined;
    throw e;
  }
}

export async function doctorOp(opts: DoctorOptions = {}): Promise<DoctorResult> {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const wanted = (g: Group) => !opts.only?.length || opts.only.includes(g);
  const file = inventoryFile(opts, env, cwd);
  let hosts: RunnerHost[] = [];
  let problem: string | undefined;
  if (file) {
    try {
      hosts = await loadInventory(file, cwd);
    } catch (e) {
      if (!(e instanceof ProblemsError)) throw e;
      problem = e.problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`).join('; ');
    }
  }

  const chains: Chain[] = [];
  // the runner checks ask GitLab, so they run at the end of its chain (skipped when it is down)
  const runners = wanted('runners') && file && !problem ? runnersChain(env, timeoutMs, hosts.map((h) => h.description), file) : [];
  if (wanted('gitlab')) chains.push(gitlabChain(env, timeoutMs, opts.project, runners));
  else if (runners.length) chains.push(runners);
  if (wanted('mlflow')) chains.push(mlflowChain(env, timeoutMs));
  if (wanted('hosts')) for (const h of hosts) chains.push(hostChain(h, env, timeoutMs));
  if (problem) chains.push([{ check: 'inventory', target: file!, run: async () => ({ result: 'fail', detail: problem!, hint: 'fix the inventory (docs/runners.md)' }) }]);
  if (wanted('tls')) for (const t of tlsTargets([env.GITLAB_URL ?? env.CI_SERVER_URL, env.MLFLOW_TRACKING_URI], env.DAP_DOCTOR_TLS)) chains.push(tlsChain(t, timeoutMs));
  if (wanted('local')) chains.push(journalChain(env, cwd));

  const results = await runChains(chains, { timeoutMs, onResult: opts.onResult });
  return { results, summary: summarize(results), exitCode: doctorExitCode(results, opts.strict), inventory: file };
}
