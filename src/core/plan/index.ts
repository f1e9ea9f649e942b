import { DapError } from '../../errors.js';
import type { LoadedSpec, Scalar } from '../spec/types.js';
import { expandGrid, expandSweep } from './expand.js';
import { runKeyer } from './key.js';
import type { ExperimentPlan, Plan, PlannedRun } from './types.js';
import { planHalving, rungRuns } from '../halving/plan.js';
import type { HalvingSweep } from '../spec/types.js';

export type { ExperimentPlan, Plan, PlannedRun } from './types.js';
export { runKey, runKeyer, canonicalJson, KEY_LENGTH } from './key.js';
export { expandSweep, expandGrid, sweepSize } from './expand.js';
export { mulberry32, FLOAT_DIGITS } from './random.js';

/** Fixed params first, then sweep values over them (a sweep axis may override a fixed param). */
export function resolveParams(fixed: Record<string, Scalar> | undefined, point: Record<string, Scalar>): Record<string, Scalar> {
  return { ...(fixed ?? {}), ...point };
}

/**
 * expandGrid(grid).map((point) => resolveParams(fixed, point)), the same objects with the same
 * key order, built directly: no intermediate point per axis, no spreads (10,000-run sweeps).
 */
export function resolvedGrid(fixed: Record<string, Scalar> | undefined, grid: Record<string, Scalar[]>): Record<string, Scalar>[] {
  const base = fixed ?? {};
  const axes = Object.keys(grid);
  const fixedKeys = Object.keys(base);
  // `o.__proto__ = v` would not make an own property the way a spread does
  if (axes.includes('__proto__') || fixedKeys.includes('__proto__')) return expandGrid(grid).map((point) => resolveParams(fixed, point));
  const values = axes.map((a) => grid[a] as Scalar[]);
  // each key of the result in spread order (fixed keys first, then new axes); axis index or -1 for a fixed value
  const order = [...fixedKeys, ...axes.filter((a) => !fixedKeys.includes(a))];
  const slot = order.map((k) => axes.indexOf(k));
  const total = values.reduce((n, v) => n * v.length, 1);
  const digit = new Array<number>(axes.length).fill(0);
  const out: Record<string, Scalar>[] = new Array(total);
  for (let i = 0; i < total; i++) {
    // the last axis varies fastest
    for (let a = axes.length - 1, rest = i; a >= 0; a--) {
      const n = (values[a] as Scalar[]).length;
      digit[a] = rest % n;
      rest = Math.floor(rest / n);
    }
    const params: Record<string, Scalar> = {};
    for (let j = 0; j < order.length; j++) {
      const a = slot[j] as number;
      params[order[j] as string] = a < 0 ? (base[order[j] as string] as Scalar) : ((values[a] as Scalar[])[digit[a] as number] as Scalar);
    }
    out[i] = params;
  }
  return out;
}

export function planExperiment(loaded: LoadedSpec): ExperimentPlan {
  const { spec } = loaded;
  if (spec.sweep && 'halving' in spec.sweep) return planHalvingExperiment(loaded, spec.sweep.halving);
  let all: Record<string, Scalar>[];
  try {
    all = spec.sweep && 'grid' in spec.sweep ? resolvedGrid(spec.params, spec.sweep.grid) : expandSweep(spec.sweep).map((point) => resolveParams(spec.params, point));
  } catch (err) {
    throw new DapError(`${loaded.file}: experiment "${spec.name}": ${(err as Error).message}`, {
      hint: 'run `dap validate` to see where',
    });
  }
  const keyOf = runKeyer(spec.name);
  const runs: PlannedRun[] = all.map((params, index) => ({ experiment: spec.name, index, key: keyOf(params), params }));
  const plan: ExperimentPlan = { spec, specFile: loaded.file, specHash: loaded.hash, runs };
  if (spec.sweep?.max_parallel !== undefined) plan.maxParallel = spec.sweep.max_parallel;
  return plan;
}

function planHalvingExperiment(loaded: LoadedSpec, sweep: HalvingSweep): ExperimentPlan {
  const { spec } = loaded;
  let halving;
  try {
    halving = planHalving(sweep);
  } catch (err) {
    throw new DapError(`${loaded.file}: experiment "${spec.name}": ${(err as Error).message}`, { hint: 'run `dap validate` to see where' });
  }
  const runs = halving.brackets.flatMap((b) => rungRuns(spec, halving, b.bracket, 0, b.configs.map((_, i) => i)));
  const plan: ExperimentPlan = { spec, specFile: loaded.file, specHash: loaded.hash, runs, halving };
  if (spec.sweep?.max_parallel !== undefined) plan.maxParallel = spec.sweep.max_parallel;
  return plan;
}

/** Expand validated specs (from loadSpecs) into runs, in the order the specs were loaded. */
export function planExperiments(specs: LoadedSpec[]): Plan {
  return { experiments: specs.map(planExperiment) };
}
