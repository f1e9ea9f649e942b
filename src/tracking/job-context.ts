import fs from 'node:fs';
import path from 'node:path';
import { readSpecFile, readSpecFiles } from './spec-files.js';
import { finishTags, jobTags, originTags, sanitizeIdentity } from './lineage.js';
import { DapError, UsageError } from '../errors.js';
import { MAX_PARAM_VALUE_LENGTH } from '../core/mlflow/limits.js';
import { keyProblem } from '../adapters/mlflow/index.js';
import type { RunIdentity } from './events.js';

// Everything `dap track` knows about the run it wraps, from the generated job's environment
// (DAP_* from the pipeline generator, CI_* from GitLab) with command-line flags taking precedence.

export interface TrackFlags {
  runKey?: string;
  experiment?: string;
  paramsFile?: string;
  metricsFile?: string;
  artifacts?: string[];
  metricFiles?: string[];
  identity?: string;
  runName?: string;
  journalDir?: string;
  trackingUri?: string;
  requireTracking?: boolean;
}

export interface JobContext extends RunIdentity {
  params: Record<string, string>;
  tags: Record<string, string>;
  metricsFile: string;
  metricFiles: string[];
  artifacts: string[];
  workdir: string;
  journalDir: string;
  trackingUri?: string;
  requireTracking: boolean;
  primary?: string;
  goal?: 'minimize' | 'maximize';
}

export function jobContext(envIn: NodeJS.ProcessEnv, flags: TrackFlags, cwd: string, command: readonly string[]): JobContext {
  const workdir = path.resolve(cwd);
  let env = envIn;
  const spec = nonEmpty(env.DAP_EXPERIMENT);
  const experiment = flags.experiment ?? nonEmpty(env.DAP_TRACKING_EXPERIMENT) ?? spec;
  if (!experiment) {
    throw new UsageError('dap track needs an experiment name', 'pass --experiment NAME (generated jobs set DAP_EXPERIMENT)');
  }
  const runKey = flags.runKey ?? nonEmpty(env.DAP_RUN_KEY);
  const runIndex = env.DAP_RUN_INDEX !== undefined && /^\d+$/.test(env.DAP_RUN_INDEX) ? Number(env.DAP_RUN_INDEX) : undefined;
  const jobName = nonEmpty(env.CI_JOB_NAME);
  const origin = runOrigin(env);
  const attemptOf = origin.pipeline ? sanitizeIdentity(`${runKey ?? experiment}|${origin.pipeline}|job:${jobName ?? 'job'}`) : undefined;
  const identity = sanitizeIdentity(flags.identity ?? (attemptOf ? attemptOf + (origin.jobId ? `#${origin.jobId}` : '') : `${runKey ?? experiment}|local`));
  const runName = flags.runName ?? jobName ?? (spec && runIndex !== undefined ? `${spec}-${runIndex}` : runKey ?? experiment);
  const journalDir = path.resolve(workdir, flags.journalDir ?? env.DAP_JOURNAL_DIR ?? path.join('.dap', 'journal'));
  // generated jobs may not carry every DAP_* variable: what is missing comes from the spec itself
  const found = spec && (!env.DAP_SPEC_FILE || env.DAP_ARTIFACTS === undefined || env.DAP_METRIC_FILES === undefined) ? findSpec(workdir, spec) : undefined;
  env = {
    ...env,
    DAP_SPEC_FILE: env.DAP_SPEC_FILE ?? found?.file,
    DAP_SPEC_HASH: env.DAP_SPEC_HASH ?? (env.DAP_SPEC_FILE ? undefined : found?.hash),
    DAP_ARTIFACTS: env.DAP_ARTIFACTS ?? (found ? JSON.stringify(found.artifacts) : undefined),
    DAP_METRIC_FILES: env.DAP_METRIC_FILES ?? (found ? JSON.stringify(found.metricFiles) : undefined),
  };
  const specFile = nonEmpty(env.DAP_SPEC_FILE);
  const ranking = primaryMetric(env, specFile ? path.resolve(workdir, specFile) : undefined);
  return {
    identity,
    experiment,
    spec,
    runKey,
    runIndex,
    runName,
    params: readParams(env, optionalPath(workdir, flags.paramsFile ?? nonEmpty(env.DAP_PARAMS_FILE))),
    tags: { ...lineageTags(env, { identity, runKey, runIndex, spec, command }), ...(attemptOf && !flags.identity ? { 'dap.attempt_of': attemptOf } : {}) },
    metricsFile: path.resolve(workdir, flags.metricsFile ?? nonEmpty(env.DAP_METRICS_FILE) ?? path.join('.dap', 'metrics.jsonl')),
    metricFiles: flags.metricFiles ?? pathList(env.DAP_METRIC_FILES),
    artifacts: flags.artifacts ?? pathList(env.DAP_ARTIFACTS),
    workdir,
    journalDir,
    trackingUri: flags.trackingUri ?? nonEmpty(env.MLFLOW_TRACKING_URI),
    requireTracking: flags.requireTracking ?? ['1', 'true', 'yes'].includes((env.DAP_TRACKING_REQUIRED ?? '').toLowerCase()),
    ...ranking,
  };
}

/**
 * Where the run executes. On GitLab: its pipeline, and the job id, so a retried job (new id, same
 * name) gets a run of its own, tagged `dap.attempt_of` like the attempt before it. In `dap run
 * --local`: the local pipeline id dap drew for it (gitlab-ci-local restarts its numbering in every
 * clone, so its CI_PIPELINE_ID would merge unrelated runs).
 */
function runOrigin(env: NodeJS.ProcessEnv): { pipeline?: string; jobId?: string } {
  if (env.DAP_SOURCE === 'local') {
    const id = nonEmpty(env.DAP_LOCAL_PIPELINE_ID);
    return { pipeline: id ? `local:${id}` : undefined };
  }
  const id = nonEmpty(env.CI_PIPELINE_ID);
  return { pipeline: id ? `pipeline:${id}` : undefined, jobId: nonEmpty(env.CI_JOB_ID) };
}

function lineageTags(env: NodeJS.ProcessEnv, run: RunTagsInput): Record<string, string> {
  return finishTags({
    'dap.identity': run.identity,
    'dap.run_key': run.runKey,
    'dap.run_index': run.runIndex === undefined ? undefined : String(run.runIndex),
    'dap.run': env.DAP_RUN,
    'dap.experiment': run.spec,
    'dap.spec_file': env.DAP_SPEC_FILE,
    'dap.spec_hash': env.DAP_SPEC_HASH,
    'dap.command': run.command.join(' ').slice(0, 8000) || undefined,
    'mlflow.source.name': env.DAP_SPEC_FILE ?? run.command[0],
    'dap.job_name': env.CI_JOB_NAME,
    // halving sweeps: which sweep (the parent pipeline), rung and bracket the run belongs to
    'dap.sweep_pipeline_id': env.DAP_SWEEP_PIPELINE_ID,
    'dap.rung': env.DAP_RUNG,
    'dap.bracket': env.DAP_BRACKET,
    ...originTags(env),
    ...(env.DAP_SOURCE === 'local' ? {} : jobTags(env)),
  });
}

type RunTagsInput = { identity: string; runKey?: string; runIndex?: number; spec?: string; command: readonly string[] };

function readParams(env: NodeJS.ProcessEnv, file: string | undefined): Record<string, string> {
  let raw: Record<string, unknown> = {};
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new DapError(`cannot read the params file ${file}: ${(e as Error).message}`, {
        hint: 'DAP_PARAMS_FILE / --params-file must name a JSON object {param: value}',
      });
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new DapError(`the params file ${file} is not a JSON object {param: value}`);
    }
    raw = parsed as Record<string, unknown>;
  } else {
    for (const [k, v] of Object.entries(env)) if (k.startsWith('DAP_PARAM_') && v !== undefined) raw[k.slice(10).toLowerCase()] = v;
  }
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    const problem = keyProblem(k);
    if (problem) throw new DapError(`param name ${JSON.stringify(k)} is not valid in MLflow: ${problem}`);
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    if (text.length > MAX_PARAM_VALUE_LENGTH) {
      throw new DapError(`param ${JSON.stringify(k)} is ${text.length} characters long; MLflow accepts at most ${MAX_PARAM_VALUE_LENGTH}`, {
        hint: 'log long values as an artifact (declare a file under artifacts.paths) instead of a param',
      });
    }
    params[k] = text;
  }
  return params;
}

interface FoundSpec { file: string; hash: string; artifacts: string[]; metricFiles: string[] }

/** experiments/*.y(a)ml under the job's directory whose `name` is the experiment. */
function findSpec(workdir: string, name: string): FoundSpec | undefined {
  for (const spec of readSpecFiles(workdir)) {
    const doc = spec.data as { name?: unknown; artifacts?: { paths?: unknown }; metrics?: { files?: unknown } } | null;
    if (doc?.name !== name) continue;
    const strings = (x: unknown) => (Array.isArray(x) ? x.filter((v): v is string => typeof v === 'string') : []);
    return { file: spec.file, hash: spec.hash, artifacts: strings(doc.artifacts?.paths), metricFiles: strings(doc.metrics?.files) };
  }
  return undefined;
}

function primaryMetric(env: NodeJS.ProcessEnv, specFile: string | undefined): { primary?: string; goal?: 'minimize' | 'maximize' } {
  let primary = nonEmpty(env.DAP_METRIC_PRIMARY);
  const g0 = env.DAP_METRIC_GOAL;
  let goal: 'minimize' | 'maximize' | undefined = g0 === 'minimize' || g0 === 'maximize' ? g0 : undefined;
  if ((!primary || !goal) && specFile) {
    // the spec file is lineage, not a requirement: unreadable, the ranking is just unknown
    const spec = readSpecFile(specFile, specFile)?.data as { metrics?: { primary?: unknown; goal?: unknown } } | undefined;
    if (!primary && typeof spec?.metrics?.primary === 'string') primary = spec.metrics.primary;
    const g = spec?.metrics?.goal;
    if (!goal && (g === 'minimize' || g === 'maximize')) goal = g;
  }
  return { primary, goal };
}

/** A newline-separated list or a JSON array of paths. */
export function pathList(raw: string | undefined): string[] {
  const text = (raw ?? '').trim();
  if (!text) return [];
  if (text.startsWith('[')) {
    try {
      const arr = JSON.parse(text) as unknown;
      if (Array.isArray(arr)) return arr.filter((x): x is string => typeof x === 'string' && x.trim() !== '');
    } catch {
      // fall through: treat as lines
    }
  }
  return text.split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
}

function optionalPath(workdir: string, p: string | undefined): string | undefined {
  return p === undefined ? undefined : path.resolve(workdir, p);
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s.trim() === '' ? undefined : s;
}
