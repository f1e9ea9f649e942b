// The configurations of a halving sweep and the runs of one rung. A configuration keeps its
// index across rungs (r<index>-… in job logs) and only the budget param changes between rungs, so
// each (configuration, budget) pair has its own run key.

import { expandGrid } from '../plan/expand.js';
import { runKeyer } from '../plan/key.js';
import { sampleSpace } from '../plan/random.js';
import type { PlannedRun } from '../plan/types.js';
import type { ExperimentSpec, HalvingSweep, Scalar } from '../spec/types.js';
import { budgetTotals, sweepShape, type BracketShape, type BudgetTotals } from './rungs.js';

export interface BracketPlan extends BracketShape {
  /** the first rung's configurations (sweep values only, without fixed params or budget) */
  configs: Record<string, Scalar>[];
  /** index of configs[0] among all the sweep's configurations */
  firstIndex: number;
}

export interface HalvingPlan {
  sweep: HalvingSweep;
  brackets: BracketPlan[];
  totals: BudgetTotals;
  /** rungs of the longest bracket: the parent pipeline's rung stages */
  levels: number;
}

export function halvingOf(spec: ExperimentSpec): HalvingSweep | undefined {
  return spec.sweep && 'halving' in spec.sweep ? spec.sweep.halving : undefined;
}

/** The spec's own configurations: grid, list, or `samples` points of the space. */
export function firstRungPoints(h: HalvingSweep, count: number, seed: number): Record<string, Scalar>[] {
  if (h.grid) return expandGrid(h.grid);
  if (h.list) return h.list.map((c) => ({ ...c }));
  const drawn = sampleSpace(count, seed, h.space ?? {});
  if (drawn.exhausted) throw new Error(`halving space holds only ${drawn.exhausted.found} distinct points, fewer than the ${count} a bracket needs`);
  return drawn.samples;
}

export function planHalving(h: HalvingSweep): HalvingPlan {
  const n0 = h.grid || h.list ? firstRungPoints(h, 0, 0).length : (h.samples ?? 1);
  const shape = sweepShape(h, n0);
  let firstIndex = 0;
  const brackets = shape.map((b) => {
    // bracket i draws with seed+i, so adding a bracket never changes the others
    const configs = firstRungPoints(h, b.rungs[0]!.configs, ((h.seed ?? 0) + b.bracket) >>> 0);
    const plan: BracketPlan = { ...b, configs, firstIndex };
    firstIndex += configs.length;
    return plan;
  });
  return { sweep: h, brackets, totals: budgetTotals(shape, h.budget.max), levels: shape[0]!.rungs.length };
}

/** Runs of one rung of a bracket: the given configurations (indices into the bracket) at the rung's budget. */
export function rungRuns(spec: ExperimentSpec, plan: HalvingPlan, bracket: number, rung: number, configIdx: readonly number[]): PlannedRun[] {
  const b = plan.brackets[bracket];
  const shape = b?.rungs[rung];
  if (!b || !shape) throw new Error(`experiment ${spec.name} has no rung ${rung} in bracket ${bracket}`);
  const keyOf = runKeyer(spec.name);
  const param = plan.sweep.budget.param;
  return configIdx.map((i) => {
    const params = { ...(spec.params ?? {}), ...b.configs[i]!, [param]: shape.budget } as Record<string, Scalar>;
    return { experiment: spec.name, index: b.firstIndex + i, key: keyOf(params), params };
  });
}

/** A run's configuration index inside its bracket. */
export function configIndexOf(plan: HalvingPlan, bracket: number, run: PlannedRun): number {
  return run.index - plan.brackets[bracket]!.firstIndex;
}
