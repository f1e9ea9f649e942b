// Hand-made plans for pipeline tests, so they do not depend on spec loading.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../src/core/plan/key.js';
import type { ExperimentPlan, Plan, PlannedRun } from '../../src/core/plan/types.js';
import type { ExperimentSpec, Scalar } from '../../src/core/spec/types.js';
import { buildPipelines, type BuildInput } from '../../src/core/pipeline/build.js';
import { defaultLimits } from '../../src/core/pipeline/types.js';

export function run(experiment: string, index: number, params: Record<string, Scalar>): PlannedRun {
  const key = createHash('sha256').update(canonicalJson({ experiment, params })).digest('hex').slice(0, 16);
  return { experiment, index, key, params };
}

export function experiment(spec: Partial<ExperimentSpec> & { name: string }, points: Array<Record<string, Scalar>>, maxParallel?: number): ExperimentPlan {
  const full: ExperimentSpec = { environment: 'python', command: ['python3', 'train.py'], ...spec };
  return {
    spec: full,
    specFile: `experiments/${spec.name}.yaml`,
    specHash: createHash('sha256').update(spec.name).digest('hex'),
    runs: points.map((p, i) => run(spec.name, i, { ...(full.params ?? {}), ...p })),
    maxParallel,
  };
}

export function grid(n: number): Array<Record<string, Scalar>> {
  return Array.from({ length: n }, (_, i) => ({ i }));
}

export function build(experiments: ExperimentPlan[], over: Partial<BuildInput> = {}) {
  const plan: Plan = { experiments };
  return buildPipelines({
    plan,
    mode: 'child',
    version: '0.0.0-test',
    specs: experiments.map((e) => ({ file: e.specFile, hash: e.specHash })),
    images: {},
    tracking: true,
    limits: defaultLimits,
    out: '.dap/child.yml',
    checkArgs: [],
    ...over,
  });
}
