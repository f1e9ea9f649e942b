// What the schema cannot say about sweep.halving: the budget param is one the command reads, the
// rungs leave at least one configuration each, and the whole sweep fits GitLab's limits.

import type { Problem } from '../../errors.js';
import { planHalving } from '../halving/plan.js';
import { levelCount, rungSizes, bracketConfigs } from '../halving/rungs.js';
import { defaultLimits } from '../pipeline/types.js';
import { offsetOf, problemAt } from './document.js';
import type { SpecDocument } from './document.js';
import { findTemplates, paramEnvName } from './template.js';
import type { HalvingSweep } from './types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const H = ['sweep', 'halving'];

/** Jobs around the runs: dap_check, dap_generate, dap_run, plus open, close and per rung a select and a trigger per bracket. */
function controlJobs(levels: number, brackets: number): number {
  return 3 + 2 + (levels - 1) + brackets * levels;
}

/** Does the command read the param: {{ params.P }} in argv, $DAP_PARAM_P or the params file in a shell string. */
function commandUses(command: unknown, param: string): boolean {
  const env = paramEnvName(param);
  const inText = (t: string) => t.includes(env) || t.includes('DAP_PARAMS_FILE');
  if (typeof command === 'string') return inText(command);
  if (!Array.isArray(command)) return true; // the schema reports it
  return command.some((item) => typeof item === 'string' && (findTemplates(item).some((t) => t.param === param) || inText(item)));
}

export function halvingProblems(sd: SpecDocument, data: Obj, maxRuns: number): Problem[] {
  const sweep = isObj(data.sweep) ? data.sweep : undefined;
  const h = sweep && isObj(sweep.halving) ? sweep.halving : undefined;
  if (!h) return isObj(data.resume) ? [problemAt(sd, offsetOf(sd, ['resume'], 'key'), 'resume only applies to a halving sweep (sweep.halving): remove it or make the sweep a halving one')] : [];
  const at = (path: Array<string | number>, message: string, part: 'key' | 'value' = 'value') => problemAt(sd, offsetOf(sd, [...H, ...path], part), message);
  const problems: Problem[] = [];
  const budget = isObj(h.budget) ? h.budget : {};
  const { param, min, max } = budget as { param?: unknown; min?: unknown; max?: unknown };
  const eta = h.eta;
  if (typeof param === 'string') {
    if (!commandUses(data.command, param)) {
      problems.push(at(['budget', 'param'], `budget param "${param}" is not used by the command: add {{ params.${param} }} to it (or read "$${paramEnvName(param)}") so a larger budget changes the run`));
    }
    for (const kind of ['space', 'grid'] as const) if (isObj(h[kind]) && param in (h[kind] as Obj)) problems.push(at([kind, param], `"${param}" is the budget param: the rungs set it, the ${kind} must not`, 'key'));
    if (Array.isArray(h.list)) h.list.forEach((c, i) => { if (isObj(c) && param in c) problems.push(at(['list', i, param], `"${param}" is the budget param: the rungs set it, list cases must not`, 'key')); });
  }
  if (typeof min === 'number' && typeof max === 'number' && !(min < max)) problems.push(at(['budget', 'max'], `budget.max (${max}) must be greater than budget.min (${min})`));
  const metrics = isObj(data.metrics) ? data.metrics : {};
  if (typeof metrics.primary !== 'string' || (metrics.goal !== 'minimize' && metrics.goal !== 'maximize')) {
    problems.push(at([], 'halving ranks each rung by the primary metric: set metrics.primary and metrics.goal (minimize or maximize)', 'key'));
  }
  const random = isObj(h.space);
  if (random && (typeof h.samples !== 'number' || typeof h.seed !== 'number')) problems.push(at(['space'], 'a halving space needs samples and seed', 'key'));
  if (!random) for (const k of ['samples', 'seed', 'brackets'] as const) if (k in h) problems.push(at([k], `${k} applies to a halving space only; ${h.grid ? 'the grid' : 'the list'} gives the configurations`, 'key'));
  if (isObj(data.resume) && typeof data.image === 'string') problems.push(problemAt(sd, offsetOf(sd, ['resume'], 'key'), 'resume needs dap inside the job image (a dap environment), not a foreign image'));
  if (problems.length || typeof min !== 'number' || typeof max !== 'number' || typeof eta !== 'number' || !Number.isInteger(eta) || eta < 2 || min <= 0) return problems;

  const levels = levelCount(min, max, eta);
  const brackets = typeof h.brackets === 'number' ? h.brackets : 1;
  if (brackets > levels) return [at(['brackets'], `brackets: ${brackets} but budget ${min}..${max} with eta ${eta} gives only ${levels} rung(s), so at most ${levels} bracket(s)`)];
  let n0: number;
  if (random) n0 = h.samples as number;
  else if (isObj(h.grid)) n0 = Object.values(h.grid).reduce<number>((n, v) => n * (Array.isArray(v) ? v.length : 1), 1);
  else if (Array.isArray(h.list)) n0 = h.list.length;
  else return problems;
  const where = random ? ['samples'] : [isObj(h.grid) ? 'grid' : 'list'];
  for (let i = 0; i < brackets; i++) {
    const sizes = rungSizes(bracketConfigs(n0, levels, eta, i), levels - i, eta);
    if (sizes[sizes.length - 1]! < 1) {
      const need = eta ** (levels - 1);
      return [at(where, `${n0} configuration(s) with eta ${eta} leave none for the last of ${levels} rungs (budget ${min}..${max}); use at least ${need} configurations, a larger budget.min or a smaller eta`, 'key')];
    }
  }
  let plan;
  try {
    plan = planHalving(h as unknown as HalvingSweep);
  } catch (e) {
    return [at(where, (e as Error).message, 'key')];
  }
  if (plan.totals.runs > maxRuns) return [at([], `oversized sweep: halving runs ${plan.totals.runs} runs in all, more than the limit of ${maxRuns} per experiment`, 'key')];
  const jobs = plan.totals.runs + controlJobs(levels, brackets);
  if (jobs > defaultLimits.hierarchyJobs) {
    problems.push(at([], `halving runs ${plan.totals.runs} runs in ${levels} rungs: with its control jobs ${jobs} jobs in one pipeline hierarchy, over GitLab's limit of ${defaultLimits.hierarchyJobs}; lower samples or brackets, or raise eta`, 'key'));
  }
  return problems;
}
