// The halving part of the parent pipeline. Per experiment: `<name>-sweep-open` writes rung 0's
// child from the spec, `<name>-rung-0` triggers it; per later rung N, `<name>-select-N` reads
// rung N-1's results and writes rung N's child, `<name>-rung-N` triggers it; `<name>-sweep-close`
// logs the best configuration. Every trigger hangs off the parent: the hierarchy stays 2 deep.

import type { ExperimentPlan } from '../plan/types.js';
import { retryPolicy } from '../pipeline/jobs.js';
import { limitArgs } from '../pipeline/limits.js';
import type { Job, Limits } from '../pipeline/types.js';
import { shellArg } from '../pipeline/shell.js';
import type { HalvingPlan } from './plan.js';

export const SWEEP_DIR = '.dap/halving';
export const OPEN_STAGE = 'sweep-open';
export const CLOSE_STAGE = 'sweep-close';

export const rungStage = (rung: number): string => `rung-${rung}`;
export const selectStage = (rung: number): string => `select-${rung}`;

/** Where the child of (bracket, rung) is written, relative to the project root. */
export function rungFile(experiment: string, bracket: number, rung: number, brackets: number): string {
  return `${SWEEP_DIR}/${experiment}/${brackets > 1 ? `b${bracket}-` : ''}rung-${rung}.yml`;
}

/** Job names: lower-case, digits and dashes only (gitlab-ci-local looks artifacts up by raw name). */
export const sweepJobNames = (experiment: string) => ({
  open: `${experiment}-sweep-open`,
  close: `${experiment}-sweep-close`,
  select: (rung: number) => `${experiment}-select-${rung}`,
  trigger: (bracket: number, rung: number, brackets: number) => `${experiment}${brackets > 1 ? `-b${bracket}` : ''}-rung-${rung}`,
});

export interface HalvingJobsInput {
  experiments: Array<{ exp: ExperimentPlan; halving: HalvingPlan }>;
  tracking: boolean;
  /** only limits that differ from GitLab.com's defaults: repeated to the dap sweep commands */
  raisedLimits: Partial<Limits>;
}

export interface HalvingJobs {
  stages: string[];
  jobs: Array<[string, Job]>;
  /** jobs in the hierarchy: these plus every run of every rung (at most, as planned) */
  jobCount: number;
}

export function halvingStages(levels: number): string[] {
  const out = [OPEN_STAGE, rungStage(0)];
  for (let r = 1; r < levels; r++) out.push(selectStage(r), rungStage(r));
  out.push(CLOSE_STAGE);
  return out;
}

/** A dap step; `writes` are the child files it produces, linted before a trigger includes them. */
function dapJob(stage: string, words: string[], artifactDir?: string, writes: string[] = []): Job {
  const job: Job = { stage, image: '$DAP_IMAGE', retry: retryPolicy(), interruptible: true, script: [words.join(' '), ...writes.map((f) => `dap lint ${f}`)] };
  if (artifactDir) job.artifacts = { paths: [`${artifactDir}/`], expire_in: '30 days' };
  return job;
}

export function halvingParentJobs(input: HalvingJobsInput): HalvingJobs {
  const flags = [...(input.tracking ? [] : ['--no-tracking']), ...limitArgs(input.raisedLimits)];
  const jobs: Array<[string, Job]> = [];
  let levels = 0;
  let jobCount = 0;
  for (const { exp, halving } of input.experiments) {
    const name = exp.spec.name;
    const names = sweepJobNames(name);
    const dir = `${SWEEP_DIR}/${name}`;
    const brackets = halving.brackets.length;
    levels = Math.max(levels, halving.levels);
    const spec = shellArg(exp.specFile);
    const filesOf = (rung: number) => halving.brackets.filter((b) => rung < b.rungs.length).map((b) => rungFile(name, b.bracket, rung, brackets));
    jobs.push([names.open, dapJob(OPEN_STAGE, ['dap', 'sweep', 'open', spec, ...flags], dir, filesOf(0))]);
    for (let rung = 0; rung < halving.levels; rung++) {
      const from = rung === 0 ? names.open : names.select(rung);
      if (rung > 0) jobs.push([from, dapJob(selectStage(rung), ['dap', 'sweep', 'select', spec, '--rung', String(rung), ...flags], dir, filesOf(rung))]);
      halving.brackets.forEach((b) => {
        if (rung >= b.rungs.length) return;
        jobs.push([names.trigger(b.bracket, rung, brackets), {
          stage: rungStage(rung),
          needs: [from],
          trigger: { include: [{ artifact: rungFile(name, b.bracket, rung, brackets), job: from }], strategy: 'depend' },
        }]);
        // each run is a job; a foreign image adds its dap_sync job
        jobCount += b.rungs[rung]!.configs + (exp.spec.image !== undefined && input.tracking ? 1 : 0);
      });
    }
    jobs.push([names.close, dapJob(CLOSE_STAGE, ['dap', 'sweep', 'close', spec])]);
  }
  jobCount += jobs.length;
  return { stages: input.experiments.length ? halvingStages(levels) : [], jobs, jobCount };
}
