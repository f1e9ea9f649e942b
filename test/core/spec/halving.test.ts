// sweep.halving as a researcher writes it: schema'd, checked with file:line:col, and — for the
// largest sweeps the checks accept — a pipeline hierarchy that passes dap lint within GitLab's limits.

import { describe, expect, it } from 'vitest';
import { check, expectProblem, lines, schema } from './helpers.js';
import { compileSpecSchema } from '../../../src/core/spec/schema-check.js';
import { planExperiments } from '../../../src/core/plan/index.js';
import { buildPipelines } from '../../../src/core/pipeline/build.js';
import { defaultLimits } from '../../../src/core/pipeline/types.js';
import { rungChild } from '../../../src/core/halving/child.js';
import { rungRuns } from '../../../src/core/halving/plan.js';
import { lintText } from '../../../src/core/lint/index.js';
import { gitlabSchemaValidator } from '../../../src/ops/lint.js';

const base = (halving: string, extra = '') => `name: toy
environment: python
command: ["python3", "train.py", "--epochs", "{{ params.epochs }}", "--lr", "{{ params.lr }}"]
metrics: { primary: val_loss, goal: minimize }
sweep:
  halving:
${halving}
${extra}`;
const space = `    space: { lr: { loguniform: [0.0001, 0.1] } }
    samples: 27
    seed: 7`;

describe('sweep.halving validation', () => {
  it('accepts the issue\'s spec and plans its first rung', () => {
    const r = check({ 'experiments/toy.yaml': base(`${space}\n    budget: { param: epochs, min: 1, max: 27 }\n    eta: 3`) });
    expect(lines(r.problems)).toEqual([]);
    const plan = planExperiments(r.specs).experiments[0]!;
    expect(plan.runs).toHaveLength(27);
    expect(plan.halving!.totals.runs).toBe(40);
  });

  it('points at each mistake', () => {
    const unused = check({ 'e.yaml': base(`${space}\n    budget: { param: steps, min: 1, max: 27 }\n    eta: 3`) }).problems;
    expectProblem(unused, 'e.yaml:10:22', 'budget param "steps" is not used by the command');
    const order = check({ 'e.yaml': base(`${space}\n    budget: { param: epochs, min: 27, max: 27 }\n    eta: 3`) }).problems;
    expectProblem(order, 'e.yaml:10:44', 'budget.max (27) must be greater than budget.min (27)');
    const eta = check({ 'e.yaml': base(`${space}\n    budget: { param: epochs, min: 1, max: 27 }\n    eta: 1`) }).problems;
    expect(lines(eta).join('\n')).toMatch(/e\.yaml:11:10: .*eta.*(>= 2|minimum|must be)/i);
    const few = check({ 'e.yaml': base(`    space: { lr: { loguniform: [0.0001, 0.1] } }\n    samples: 5\n    seed: 7\n    budget: { param: epochs, min: 1, max: 27 }\n    eta: 3`) }).problems;
    expectProblem(few, 'e.yaml:8:5', 'leave none for the last of 4 rungs');
    const axis = check({ 'e.yaml': base(`    grid: { lr: [0.1, 0.01], epochs: [1, 2] }\n    budget: { param: epochs, min: 1, max: 4 }\n    eta: 2`) }).problems;
    expectProblem(axis, 'e.yaml:7:30', '"epochs" is the budget param');
    const brackets = check({ 'e.yaml': base(`    grid: { lr: [0.1, 0.01, 0.001, 0.2] }\n    brackets: 2\n    budget: { param: epochs, min: 1, max: 4 }\n    eta: 2`) }).problems;
    expectProblem(brackets, 'e.yaml:8:5', 'brackets applies to a halving space only');
    const noGoal = check({ 'e.yaml': base(`${space}\n    budget: { param: epochs, min: 1, max: 27 }\n    eta: 3`).replace('metrics: { primary: val_loss, goal: minimize }\n', '') }).problems;
    expectProblem(noGoal, 'e.yaml:5:3', 'set metrics.primary and metrics.goal');
    const resume = check({ 'e.yaml': `name: toy\nenvironment: python\ncommand: [run]\nresume: { artifact: checkpoints/ }\n` }).problems;
    expectProblem(resume, 'e.yaml:4:1', 'resume only applies to a halving sweep');
  });

  it('refuses a sweep whose jobs would not fit one pipeline hierarchy', () => {
    const big = check({ 'e.yaml': base(`    space: { lr: { loguniform: [0.0001, 0.1] } }\n    samples: 1000\n    seed: 7\n    budget: { param: epochs, min: 1, max: 64 }\n    eta: 2`) }).problems;
    expectProblem(big, 'e.yaml:6:3', /halving runs 1983 runs in 7 rungs: with its control jobs \d+ jobs in one pipeline hierarchy, over GitLab's limit of 1000/);
  });
});

describe('the largest sweeps the checks accept', () => {
  // extremes of every knob the schema bounds: eta 2..100, brackets 1..10, samples ≤ 1000
  const cases: Array<{ eta: number; max: number; brackets: number }> = [
    { eta: 2, max: 64, brackets: 1 }, { eta: 2, max: 64, brackets: 7 }, { eta: 3, max: 81, brackets: 5 },
    { eta: 10, max: 100, brackets: 3 }, { eta: 100, max: 100, brackets: 2 },
  ];
  const validator = compileSpecSchema(schema);
  it.each(cases)('eta $eta, budget 1..$max, $brackets bracket(s): the biggest accepted samples lints and fits', async ({ eta, max, brackets }) => {
    const spec = (samples: number) => base(`    space: { lr: { loguniform: [0.0001, 0.1] }, width: { int: [1, 100000] } }\n    samples: ${samples}\n    seed: 3\n    brackets: ${brackets}\n    budget: { param: epochs, min: 1, max: ${max} }\n    eta: ${eta}`, 'sweep_extra: 0').replace('sweep_extra: 0', '');
    // the largest samples (≤ the schema's 1000) that validation accepts: from the fewest the
    // rungs need (eta^(rungs-1)) up, accepted until the jobs no longer fit
    const ok = (n: number) => check({ 'e.yaml': spec(n) }, { validator }).problems.length === 0;
    let lo = eta ** (Math.round(Math.log(max) / Math.log(eta)));
    expect(ok(lo), `samples ${lo} accepted`).toBe(true);
    expect(ok(lo - 1), `samples ${lo - 1} refused`).toBe(false);
    let hi = 1000;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (ok(mid)) lo = mid;
      else hi = mid - 1;
    }
    if (lo < 1000) expect(ok(lo + 1)).toBe(false);
    const { specs } = check({ 'e.yaml': spec(lo) }, { validator });
    const plan = planExperiments(specs);
    const exp = plan.experiments[0]!;
    const validate = await gitlabSchemaValidator();
    const common = { version: '0.1.0', specs: [{ file: 'e.yaml', hash: 'x' }], images: {}, tracking: true, limits: defaultLimits };
    const built = buildPipelines({ ...common, plan, mode: 'parent', out: '.gitlab-ci.yml', checkArgs: [] });
    expect(built.totalJobs).toBeLessThanOrEqual(defaultLimits.hierarchyJobs);
    let childJobs = 0;
    for (const file of built.files) expect(lintText({ text: file.text, validate, limits: defaultLimits }).problems.filter((p) => p.severity === 'error')).toEqual([]);
    // every rung's child at its planned size (the first configurations stand in for the promoted ones)
    for (const b of exp.halving!.brackets) {
      for (const r of b.rungs) {
        const runs = rungRuns(exp.spec, exp.halving!, b.bracket, r.rung, Array.from({ length: r.configs }, (_, i) => i));
        const child = rungChild({ ...common, exp, bracket: b.bracket, rung: r.rung, runs, sweepPipelineId: '123', path: 'c.yml', resumeFrom: new Map(runs.map((x) => [x.key, '0123456789abcdef'])) });
        expect(child.bytes).toBeLessThanOrEqual(defaultLimits.childYamlBytes);
        const report = lintText({ text: child.text, validate, limits: defaultLimits });
        expect(report.problems.filter((p) => p.severity === 'error'), `bracket ${b.bracket} rung ${r.rung}`).toEqual([]);
        childJobs += child.jobs;
      }
    }
    expect(childJobs + built.files[0]!.jobs + 1 /* dap_run's child */).toBeLessThanOrEqual(defaultLimits.hierarchyJobs);
  }, 60_000);
});
