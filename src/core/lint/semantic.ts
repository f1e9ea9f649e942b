// What the schema cannot see: needs/dependencies name real jobs in earlier stages, stages exist,
// needs have no cycles, and GitLab's size limits hold.

import type { Limits } from '../pipeline/types.js';

export interface SemanticProblem {
  path: Array<string | number>;
  message: string;
  severity: 'error' | 'warning';
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Top-level keys that are not jobs (GitLab's reserved keywords). */
export const GLOBAL_KEYS = new Set([
  'default', 'include', 'stages', 'types', 'variables', 'workflow', 'image', 'services', 'cache',
  'before_script', 'after_script', 'spec',
]);
const DEFAULT_STAGES = ['build', 'test', 'deploy'];

/** A job with `extends` resolved for the keys this lint reads (GitLab merges hashes deeply; these are replaced). */
function resolveJob(config: Obj, name: string, seen: Set<string> = new Set()): Obj {
  const job = config[name];
  if (!isObj(job)) return {};
  const parents = typeof job.extends === 'string' ? [job.extends] : Array.isArray(job.extends) ? job.extends : [];
  let merged: Obj = {};
  for (const p of parents) {
    if (typeof p !== 'string' || seen.has(p)) continue;
    merged = { ...merged, ...resolveJob(config, p, new Set([...seen, name])) };
  }
  return { ...merged, ...job };
}

export function matrixCount(parallel: unknown): number {
  if (typeof parallel === 'number') return parallel;
  if (!isObj(parallel) || !Array.isArray(parallel.matrix)) return 1;
  let n = 0;
  for (const entry of parallel.matrix) {
    if (!isObj(entry)) continue;
    n += Object.values(entry).reduce<number>((p, v) => p * (Array.isArray(v) ? v.length : 1), 1);
  }
  return n;
}

function matrixValues(parallel: unknown): Map<string, Set<string>> {
  const vals = new Map<string, Set<string>>();
  if (!isObj(parallel) || !Array.isArray(parallel.matrix)) return vals;
  for (const entry of parallel.matrix) {
    if (!isObj(entry)) continue;
    for (const [k, v] of Object.entries(entry)) {
      const set = vals.get(k) ?? new Set<string>();
      for (const x of Array.isArray(v) ? v : [v]) set.add(String(x));
      vals.set(k, set);
    }
  }
  return vals;
}

interface NeedInfo { job: string; optional: boolean; matrix?: unknown; index: number }

function needsOf(job: Obj): NeedInfo[] {
  if (!Array.isArray(job.needs)) return [];
  const out: NeedInfo[] = [];
  job.needs.forEach((n, index) => {
    if (typeof n === 'string') out.push({ job: n, optional: false, index });
    else if (isObj(n) && typeof n.job === 'string' && n.pipeline === undefined && n.project === undefined) {
      out.push({ job: n.job, optional: n.optional === true, matrix: isObj(n.parallel) ? n.parallel.matrix : undefined, index });
    }
  });
  return out;
}

export interface SemanticInput {
  config: unknown;
  bytes: number;
  limits: Limits;
}

export function semanticProblems({ config, bytes, limits }: SemanticInput): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  if (!isObj(config)) return [{ path: [], message: 'the pipeline must be a mapping of jobs and keywords', severity: 'error' }];
  // jobs defined in included files are invisible here: what we cannot see is a warning, not an error
  const unseen: 'error' | 'warning' = config.include === undefined ? 'error' : 'warning';

  const stagesDeclared = Array.isArray(config.stages) ? config.stages.filter((s): s is string => typeof s === 'string') : DEFAULT_STAGES;
  const stages = ['.pre', ...stagesDeclared.filter((s) => s !== '.pre' && s !== '.post'), '.post'];
  const stageIndex = new Map(stages.map((s, i) => [s, i]));

  const names = Object.keys(config).filter((k) => !GLOBAL_KEYS.has(k) && !k.startsWith('.') && isObj(config[k]));
  const jobs = new Map(names.map((n) => [n, resolveJob(config, n)]));
  const stageOf = (j: Obj): string => (typeof j.stage === 'string' ? j.stage : 'test');

  if (bytes > limits.childYamlBytes) {
    problems.push({ path: [], message: `the file is ${bytes} bytes, over the ${limits.childYamlBytes}-byte limit for a pipeline YAML`, severity: 'error' });
  }
  if (names.length === 0 && unseen === 'error') problems.push({ path: [], message: 'the pipeline has no visible job', severity: 'error' });
  else if (names.length && names.every((n) => ['.pre', '.post'].includes(stageOf(jobs.get(n)!))) && unseen === 'error') {
    problems.push({ path: [], message: 'the pipeline needs at least one job in a stage other than .pre or .post', severity: 'error' });
  }

  let total = 0;
  for (const [name, job] of jobs) {
    const stage = stageOf(job);
    if (!stageIndex.has(stage)) {
      problems.push({ path: [name, 'stage'], message: `job ${name}: stage "${stage}" is not in stages (${stages.join(', ')})`, severity: unseen });
    }
    const count = matrixCount(job.parallel);
    total += count;
    if (isObj(job.parallel) && count > limits.matrixJobs) {
      problems.push({ path: [name, 'parallel'], message: `job ${name}: parallel:matrix expands to ${count} jobs, over the limit of ${limits.matrixJobs}`, severity: 'error' });
    }
    const needs = needsOf(job);
    if (Array.isArray(job.needs) && job.needs.length > limits.needs) {
      problems.push({ path: [name, 'needs'], message: `job ${name}: ${job.needs.length} needs, over the limit of ${limits.needs}`, severity: 'error' });
    }
    for (const need of needs) {
      const target = jobs.get(need.job);
      if (!target) {
        if (!need.optional) problems.push({ path: [name, 'needs', need.index], message: `job ${name} needs "${need.job}", which is not a job in this pipeline`, severity: unseen });
        continue;
      }
      const ts = stageIndex.get(stageOf(target));
      const js = stageIndex.get(stage);
      if (ts !== undefined && js !== undefined && ts > js) {
        problems.push({ path: [name, 'needs', need.index], message: `job ${name} (stage ${stage}) needs "${need.job}" from the later stage ${stageOf(target)}`, severity: 'error' });
      }
      if (Array.isArray(need.matrix)) problems.push(...checkMatrixNeed(name, need, target));
    }
    if (Array.isArray(job.dependencies)) {
      job.dependencies.forEach((d, i) => {
        if (typeof d === 'string' && !jobs.has(d)) problems.push({ path: [name, 'dependencies', i], message: `job ${name} depends on "${d}", which is not a job in this pipeline`, severity: unseen });
      });
    }
    const trigger = job.trigger;
    if (isObj(trigger) && Array.isArray(trigger.include)) {
      trigger.include.forEach((inc, i) => {
        if (isObj(inc) && typeof inc.artifact === 'string' && typeof inc.job === 'string' && !jobs.has(inc.job)) {
          problems.push({ path: [name, 'trigger', 'include', i, 'job'], message: `job ${name} triggers an artifact of "${inc.job}", which is not a job in this pipeline`, severity: unseen });
        }
      });
    }
  }
  if (total > limits.hierarchyJobs) {
    problems.push({ path: [], message: `the pipeline has ${total} jobs, over the limit of ${limits.hierarchyJobs} per pipeline hierarchy`, severity: 'error' });
  }
  problems.push(...cycles(jobs));
  return problems;
}

function checkMatrixNeed(name: string, need: NeedInfo, target: Obj): SemanticProblem[] {
  const available = matrixValues(target.parallel);
  const out: SemanticProblem[] = [];
  if (available.size === 0) {
    return [{ path: [name, 'needs', need.index], message: `job ${name} needs "${need.job}" with parallel:matrix, but that job has no matrix`, severity: 'error' }];
  }
  for (const entry of need.matrix as unknown[]) {
    if (!isObj(entry)) continue;
    for (const [k, v] of Object.entries(entry)) {
      const have = available.get(k);
      for (const x of Array.isArray(v) ? v : [v]) {
        if (!have?.has(String(x))) {
          out.push({ path: [name, 'needs', need.index], message: `job ${name} needs "${need.job}" with ${k}=${String(x)}, which its matrix does not have`, severity: 'error' });
        }
      }
    }
  }
  return out;
}

function cycles(jobs: Map<string, Obj>): SemanticProblem[] {
  const state = new Map<string, 'visiting' | 'done'>();
  const out: SemanticProblem[] = [];
  const visit = (name: string, trail: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const loop = [...trail.slice(trail.indexOf(name)), name];
      out.push({ path: [name, 'needs'], message: `needs form a cycle: ${loop.join(' -> ')}`, severity: 'error' });
      return;
    }
    state.set(name, 'visiting');
    for (const n of needsOf(jobs.get(name)!)) if (jobs.has(n.job)) visit(n.job, [...trail, name]);
    state.set(name, 'done');
  };
  for (const name of jobs.keys()) visit(name, []);
  return out;
}
