import { planExperiments } from '../core/plan/index.js';
import { loadSpecs } from './load-specs.js';
import type { LoadSpecsOptions } from './load-specs.js';

export interface ValidateResult {
  experiments: number;
  runs: number;
}

/** Validate specs and expand them (expansion proves the sweeps are drawable). Throws ProblemsError. */
export async function validate(root: string, files?: readonly string[], opts: LoadSpecsOptions = {}): Promise<ValidateResult> {
  const specs = await loadSpecs(root, files, opts);
  const plan = planExperiments(specs);
  // a halving sweep counts every run of every rung (as planned)
  return { experiments: plan.experiments.length, runs: plan.experiments.reduce((n, e) => n + (e.halving ? e.halving.totals.runs : e.runs.length), 0) };
}
