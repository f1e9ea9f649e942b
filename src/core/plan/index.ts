import { DapError } from '../../errors.js';
import type { LoadedSpec, Scalar } from '../spec/types.js';
import { expandSweep } from './expand.js';
import { runKey } from './key.js';
import type { ExperimentPlan, Plan, PlannedRun } from './types.js';

export type { ExperimentPlan, Plan, PlannedRun } from './types.js';
export { runKey, canonicalJson, KEY_LENGTH } from './key.js';
export { expandSweep, expandGrid, sweepSize } from './expand.js';
export { mulberry32, FLOAT_DIGITS } from './random.js';

/** Fixed params first, then sweep values over them (a sweep axis may override a fixed param). */
export function resolveParams(fixed: Record<string, Scalar> | undefined, point: Record<string, Scalar>): Record<string, Scalar> {
  return { ...(fixed ?? {}), ...point };
}

export function planExperiment(loaded: LoadedSpec): ExperimentPlan {
  const { spec } = loaded;
  let points: Record<string, Scalar>[];
  try {
    points = expandSweep(spec.sweep);
  } catch (err) {
    throw new DapError(`${loaded.file}: experiment "${spec.name}": ${(err as Error).message}`, {
      hint: 'run `dap validate` to see where',
    });
  }
  const runs: PlannedRun[] = points.map((point, index) => {
    const params = resolveParams(spec.params, point);
    return { experiment: spec.name, index, key: runKey(spec.name, params), params };
  });
  const plan: ExperimentPlan = { spec, specFile: loaded.file, specHash: loaded.hash, runs };
  if (spec.sweep?.max_parallel !== undefined) plan.maxParallel = spec.sweep.max_parallel;
  return plan;
}

/** Expand validated specs (from loadSpecs) into runs, in the order the specs were loaded. */
export function planExperiments(specs: LoadedSpec[]): Plan {
  return { experiments: specs.map(planExperiment) };
}
