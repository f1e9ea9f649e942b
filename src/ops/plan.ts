import { planExperiments } from '../core/plan/index.js';
import type { Plan } from '../core/plan/types.js';
import { loadSpecs } from './load-specs.js';
import type { LoadSpecsOptions } from './load-specs.js';

/** Load, validate and expand the specs. */
export async function plan(root: string, files?: readonly string[], opts: LoadSpecsOptions = {}): Promise<Plan> {
  return planExperiments(await loadSpecs(root, files, opts));
}

/** The JSON `dap plan --json` prints: stable field names, no spec internals. */
export function planToJson(p: Plan): { experiments: Array<{ name: string; specFile: string; maxParallel?: number; runs: Array<{ index: number; key: string; params: Record<string, unknown> }>; halving?: unknown }> } {
  return {
    experiments: p.experiments.map((e) => ({
      name: e.spec.name,
      specFile: e.specFile,
      ...(e.maxParallel !== undefined ? { maxParallel: e.maxParallel } : {}),
      runs: e.runs.map((r) => ({ index: r.index, key: r.key, params: r.params })),
      ...(e.halving ? {
        halving: {
          eta: e.halving.sweep.eta,
          budget: e.halving.sweep.budget,
          rungs: e.halving.brackets.flatMap((b) => b.rungs.map((r) => ({ bracket: b.bracket, rung: r.rung, configs: r.configs, budget: r.budget }))),
          totalBudget: e.halving.totals.total,
          fullBudget: e.halving.totals.full,
          runs: e.halving.totals.runs,
        },
      } : {}),
    })),
  };
}
