// Experiment plan -> GitLab jobs: one job per (lane, chunk), each a parallel:matrix over DAP_RUN.

import type { ExperimentPlan, PlannedRun } from '../plan/types.js';
import { paramEnvNames, runPrelude, runId } from './prelude.js';
import { commandLine } from './tracking.js';
import type { Job, Limits, RetryPolicy } from './types.js';

/** environments/images.lock.json, written by `dap env push`. */
export type ImagesLock = Record<string, { image?: string; digest?: string; ref?: string }>;

export interface JobOptions {
  images: ImagesLock;
  /** wrap commands in `dap track` / add dap_sync; off for tests that run commands bare */
  tracking: boolean;
  limits: Limits;
}

export interface ExperimentJobs {
  experiment: string;
  jobs: Array<[string, Job]>;
  /** the command runs bare in a foreign image: its .dap/ artifacts need a dap_sync job */
  needsSync: boolean;
  /** jobs after matrix expansion */
  jobCount: number;
  warnings: string[];
}

export const RUN_STAGE = 'run';
export const DEFAULT_EXPIRE_IN = '30 days';

/** Runner and system failures only: a failing script is never retried. */
export const retryPolicy = (): RetryPolicy => ({
  max: 2,
  when: ['runner_system_failure', 'stuck_or_timeout_failure', 'scheduler_failure', 'unknown_failure', 'api_failure'],
});

/** Top-level keys GitLab does not read as jobs (and `pages`, which it reads as a special one). */
const RESERVED = new Set([
  'default', 'include', 'stages', 'variables', 'workflow', 'image', 'services', 'cache',
  'before_script', 'after_script', 'spec', 'pages',
]);

export function experimentJobName(experiment: string): string {
  return RESERVED.has(experiment) ? `experiment:${experiment}` : experiment;
}

interface ImageChoice { image: string; dapInside: boolean; digest?: string; warning?: string }

export function chooseImage(exp: ExperimentPlan, images: ImagesLock): ImageChoice {
  const { spec } = exp;
  if (spec.image !== undefined) return { image: spec.image, dapInside: false };
  const env = spec.environment ?? 'default';
  const entry = images[env];
  if (entry?.ref) return { image: entry.ref, dapInside: true, digest: entry.digest ?? entry.ref.split('@')[1] };
  return {
    image: `\${CI_REGISTRY_IMAGE}/env-${env}:latest`,
    dapInside: true,
    warning: `environment ${env} has no entry in environments/images.lock.json; experiment ${spec.name} uses the mutable tag env-${env}:latest (run \`dap env push ${env}\` to pin it by digest)`,
  };
}

/** Runs dealt round-robin into `lanes` lanes, each lane cut into chunks of at most `chunk` runs. */
function partition(runs: readonly PlannedRun[], lanes: number, chunk: number): PlannedRun[][][] {
  const byLane: PlannedRun[][] = Array.from({ length: lanes }, () => []);
  runs.forEach((run, i) => byLane[i % lanes]!.push(run));
  return byLane.map((laneRuns) => {
    const chunks: PlannedRun[][] = [];
    for (let i = 0; i < laneRuns.length; i += chunk) chunks.push(laneRuns.slice(i, i + chunk));
    return chunks;
  });
}

function jobName(base: string, lane: number, lanes: number, part: number, parts: number): string {
  let name = base;
  if (lanes > 1) name += ` lane ${lane + 1}/${lanes}`;
  if (parts > 1) name += lanes > 1 ? ` part ${part + 1}/${parts}` : ` ${part + 1}/${parts}`;
  return name;
}

function uniq(items: string[]): string[] {
  return [...new Set(items)];
}

/**
 * One resource group per lane: GitLab runs one job of a group at a time. Resource groups are
 * project-wide, so by default the name carries the pipeline id (GitLab expands it there) and a
 * second pipeline of the experiment gets lanes of its own; `max_parallel_scope: project` shares them.
 */
export function resourceGroup(experiment: string, lane: number, scope: 'pipeline' | 'project'): string {
  const base = `dap-${experiment}-${lane + 1}`;
  return scope === 'project' ? base : `${base}-$CI_PIPELINE_ID`;
}

export function experimentJobs(exp: ExperimentPlan, opts: JobOptions): ExperimentJobs {
  const { spec, runs } = exp;
  const base = experimentJobName(spec.name);
  const { image, dapInside, digest, warning } = chooseImage(exp, opts.images);
  const tracked = opts.tracking && dapInside;
  const envNames = paramEnvNames(spec.name, runs);
  const params = new Set(envNames.keys());
  const needsSync = opts.tracking && !dapInside;
  const line = commandLine({ experiment: spec.name, command: spec.command, params, tracked, recordStatus: needsSync });
  const capped = exp.maxParallel !== undefined && exp.maxParallel < runs.length;
  const lanes = capped ? Math.max(1, exp.maxParallel as number) : 1;
  const parts = partition(runs, lanes, Math.max(1, opts.limits.matrixJobs));

  // only values GitLab cannot misread as variable references go into `variables:`
  const variables: Record<string, string> = { DAP_EXPERIMENT: spec.name };
  if (spec.resources?.gpus !== undefined) variables.DAP_GPUS = String(spec.resources.gpus);
  const constants: Record<string, string> = {
    DAP_TRACKING_EXPERIMENT: spec.tracking?.experiment ?? spec.name,
    DAP_SPEC_FILE: exp.specFile,
    DAP_SPEC_HASH: exp.specHash,
    DAP_METRIC_FILES: JSON.stringify(spec.metrics?.files ?? []),
    DAP_ARTIFACTS: JSON.stringify(spec.artifacts?.paths ?? []),
  };
  if (digest) constants.DAP_IMAGE_DIGEST = digest;
  const artifacts = {
    paths: uniq([...(spec.artifacts?.paths ?? []), ...(spec.metrics?.files ?? []), '.dap/']),
    expire_in: spec.artifacts?.expire_in ?? DEFAULT_EXPIRE_IN,
    when: 'always' as const,
  };

  const jobs: Array<[string, Job]> = [];
  parts.forEach((chunks, lane) => {
    chunks.forEach((chunk, part) => {
      const job: Job = { stage: RUN_STAGE, image };
      if (spec.resources?.tags?.length) job.tags = [...spec.resources.tags];
      if (spec.resources?.timeout) job.timeout = spec.resources.timeout;
      job.retry = retryPolicy();
      job.interruptible = true;
      if (capped) job.resource_group = resourceGroup(spec.name, lane, spec.sweep?.max_parallel_scope ?? 'pipeline');
      job.variables = { ...variables };
      job.parallel = { matrix: [{ DAP_RUN: chunk.map(runId) }] };
      job.script = [runPrelude(spec.name, chunk, constants, envNames), line];
      job.artifacts = { ...artifacts, paths: [...artifacts.paths] };
      jobs.push([jobName(base, lane, lanes, part, chunks.length), job]);
    });
  });
  return {
    experiment: spec.name,
    jobs,
    needsSync,
    jobCount: runs.length,
    warnings: warning ? [warning] : [],
  };
}
