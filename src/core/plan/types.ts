import type { ExperimentSpec, Scalar } from '../spec/types.js';
import type { HalvingPlan } from '../halving/plan.js';

/** One concrete run of an experiment: the spec with every sweep axis resolved. */
export interface PlannedRun {
  experiment: string;
  /** 0-based position in the experiment's deterministic expansion */
  index: number;
  /** stable id: hash of the experiment name and its resolved params (tracking keys on it) */
  key: string;
  params: Record<string, Scalar>;
}

export interface ExperimentPlan {
  spec: ExperimentSpec;
  specFile: string;
  specHash: string;
  runs: PlannedRun[];
  /** how many runs may execute at once (undefined: no cap) */
  maxParallel?: number;
  /** a halving sweep: its rungs; `runs` are then the first rung's runs of every bracket */
  halving?: HalvingPlan;
}

export interface Plan {
  experiments: ExperimentPlan[];
}
