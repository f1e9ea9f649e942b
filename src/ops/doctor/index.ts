// `dap doctor`: which checks apply (from the resolved environment and the inventory), run them,
// and the exit code. Every check lives in its own module of this directory.

import fs from 'node:fs';
import path from 'node:path';
import { readDoctorInventory, type DoctorInventory } from '../../core/doctor/inventory.js';
import { doctorExitCode, summarize, type CheckResult } from '../../core/doctor/model.js';
import { UsageError } from '../../errors.js';
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
  /** infrastructure/runners.yaml (default: found upward from cwd, or $DAP_INVENTORY) */
  inventory?: string;
  only?: Group[];
  strict?: boolean;
  onResult?: (r: CheckResult) => void;
}

export interface DoctorResult { results: CheckResult[]; summary: ReturnType<typeof summarize>; exitCode: number; inventory?: string }

export const INVENTORY_PATH = path.join('infrastructure', 'runners.yaml');

function findInventory(cwd: string): string | undefined {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const f = path.join(dir, INVENTORY_PATH);
    if (fs.existsSync(f)) return f;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function loadInventory(file: string | undefined): DoctorInventory {
  if (!file) return { hosts: [], runners: [], problems: [] };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read the inventory ${file} (${(e as NodeJS.ErrnoException).code})`, 'pass --inventory FILE (infrastructure/runners.yaml)');
  }
  return readDoctorInventory(text, file);
}

export async function doctorOp(opts: DoctorOptions = {}): Promise<DoctorResult> {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const wanted = (g: Group) => !opts.only?.length || opts.only.includes(g);
  const inventoryFile = opts.inventory ? path.resolve(cwd, opts.inventory) : env.DAP_INVENTORY ? path.resolve(cwd, env.DAP_INVENTORY) : findInventory(cwd);
  const inv = loadInventory(inventoryFile);

  const chains: Chain[] = [];
  // the runner checks ask GitLab, so they run at the end of its chain (skipped when it is down)
  const runners = wanted('runners') && inventoryFile ? runnersChain(env, timeoutMs, inv.runners, inventoryFile) : [];
  if (wanted('gitlab')) chains.push(gitlabChain(env, timeoutMs, opts.project, runners));
  else if (runners.length) chains.push(runners);
  if (wanted('mlflow')) chains.push(mlflowChain(env, timeoutMs));
  if (wanted('hosts')) for (const h of inv.hosts) chains.push(hostChain(h, env, timeoutMs));
  if (wanted('hosts') && inv.problems.length) {
    chains.push([{ check: 'inventory', target: inventoryFile!, run: async () => ({ result: 'fail', detail: inv.problems.join('; '), hint: 'fix the inventory' }) }]);
  }
  if (wanted('tls')) for (const t of tlsTargets([env.GITLAB_URL ?? env.CI_SERVER_URL, env.MLFLOW_TRACKING_URI], env.DAP_DOCTOR_TLS)) chains.push(tlsChain(t, timeoutMs));
  if (wanted('local')) chains.push(journalChain(env, cwd));

  const results = await runChains(chains, { timeoutMs, onResult: opts.onResult });
  return { results, summary: summarize(results), exitCode: doctorExitCode(results, opts.strict), inventory: inventoryFile };
}
