import { isScalar as isYamlScalar, visit } from 'yaml';
import type { Problem } from '../../errors.js';
import { canonicalJson } from '../plan/key.js';
import { sampleSpace } from '../plan/random.js';
import { offsetInside, offsetOf, problemAt } from './document.js';
import type { PathSegment, SpecDocument } from './document.js';
import { findTemplates, paramEnvName, paramValueString } from './template.js';
import { jobPathProblem } from './job-paths.js';
import { paramValueProblem } from '../mlflow/limits.js';
import { halvingProblems } from './halving-checks.js';
import type { Distribution, Scalar } from './types.js';

// Checks JSON Schema cannot express. They run on every readable file, even one with schema
// errors, so each guards the shape it looks at and quietly skips what the schema already reports.

export const DEFAULT_MAX_RUNS_PER_EXPERIMENT = 10_000;

export interface SemanticOptions {
  /** environment names that exist; undefined skips the check */
  environments?: readonly string[];
  /** those of `environments` that come with dap rather than the project (named so in messages) */
  builtinEnvironments?: readonly string[];
  maxRunsPerExperiment: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const isScalar = (v: unknown): v is Scalar => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
const isNumPair = (v: unknown): v is [number, number] => Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number');

export function fileProblems(sd: SpecDocument, opts: SemanticOptions): Problem[] {
  const data = sd.data;
  if (!isObj(data)) return [];
  return [
    ...environmentProblems(sd, data, opts.environments, opts.builtinEnvironments ?? []),
    ...sweepProblems(sd, data, opts.maxRunsPerExperiment),
    ...halvingProblems(sd, data, opts.maxRunsPerExperiment),
    ...envNameCollisions(sd, data),
    ...commandProblems(sd, data),
    ...inexactNumberProblems(sd),
    ...jobPathProblems(sd, data),
    ...paramValueProblems(sd, data),
  ];
}

/** artifacts.paths and metrics.files are read and uploaded by dap: only inside the job's directory. */
function jobPathProblems(sd: SpecDocument, data: Obj): Problem[] {
  const problems: Problem[] = [];
  const check = (list: unknown, path: PathSegment[]) => {
    if (!Array.isArray(list)) return;
    list.forEach((p, i) => {
      const problem = typeof p === 'string' ? jobPathProblem(p) : undefined;
      if (problem) problems.push(problemAt(sd, offsetOf(sd, [...path, i]), `${path.join('.')}[${i}]: ${problem}`));
    });
  };
  if (isObj(data.artifacts)) check(data.artifacts.paths, ['artifacts', 'paths']);
  if (isObj(data.metrics)) check(data.metrics.files, ['metrics', 'files']);
  return problems;
}

/** Every value a run's params can take must fit MLflow's param limit, or every job would fail at its start. */
function paramValueProblems(sd: SpecDocument, data: Obj): Problem[] {
  const problems: Problem[] = [];
  const check = (name: string, value: unknown, path: PathSegment[]) => {
    if (!isScalar(value)) return;
    const problem = paramValueProblem(paramValueString(value));
    if (problem) problems.push(problemAt(sd, offsetOf(sd, path), `parameter "${name}": ${problem}; pass long values in a file instead`));
  };
  const each = (obj: unknown, path: PathSegment[]) => { if (isObj(obj)) for (const [k, v] of Object.entries(obj)) check(k, v, [...path, k]); };
  each(data.params, ['params']);
  const sweep = isObj(data.sweep) ? data.sweep : {};
  if (isObj(sweep.grid)) for (const [k, vs] of Object.entries(sweep.grid)) if (Array.isArray(vs)) vs.forEach((v, i) => check(k, v, ['sweep', 'grid', k, i]));
  if (Array.isArray(sweep.list)) sweep.list.forEach((c, i) => each(c, ['sweep', 'list', i]));
  if (isObj(sweep.random) && isObj(sweep.random.space)) {
    for (const [k, dist] of Object.entries(sweep.random.space)) {
      if (isObj(dist) && Array.isArray(dist.choice)) dist.choice.forEach((v, i) => check(k, v, ['sweep', 'random', 'space', k, 'choice', i]));
    }
  }
  return problems;
}

/** Integers beyond 2^53 silently lose digits (and so change run keys): ask for a string instead. */
function inexactNumberProblems(sd: SpecDocument): Problem[] {
  const problems: Problem[] = [];
  // every integer of at most 15 digits is safe: without a 16-digit run in the text there is nothing to find
  if (!/[0-9]{16}/.test(sd.source)) return problems;
  visit(sd.doc, {
    Scalar(_, node) {
      if (!isYamlScalar(node) || typeof node.value !== 'number' || Number.isSafeInteger(node.value)) return;
      if (!/^[-+]?[0-9]+$/.test(node.source ?? '')) return;
      problems.push(problemAt(sd, node.range?.[0] ?? 0, `${node.source} is too large to keep exactly as a number (limit ${Number.MAX_SAFE_INTEGER}); quote it to use it as a string`));
    },
  });
  return problems;
}

/** Names must be unique across files: point at the later one and say where the first is. */
export function duplicateNameProblems(docs: SpecDocument[]): Array<{ doc: SpecDocument; problem: Problem }> {
  const first = new Map<string, SpecDocument>();
  const problems: Array<{ doc: SpecDocument; problem: Problem }> = [];
  for (const sd of docs) {
    const name = isObj(sd.data) ? sd.data.name : undefined;
    if (typeof name !== 'string') continue;
    const prev = first.get(name);
    if (!prev) {
      first.set(name, sd);
      continue;
    }
    const { line, col } = prev.lineCounter.linePos(offsetOf(prev, ['name']));
    const message = `duplicate experiment name "${name}" (first defined at ${prev.file}:${line}:${col}); names must be unique across experiments/`;
    problems.push({ doc: sd, problem: problemAt(sd, offsetOf(sd, ['name']), message) });
  }
  return problems;
}

function environmentProblems(sd: SpecDocument, data: Obj, environments: readonly string[] | undefined, builtin: readonly string[]): Problem[] {
  const env = data.environment;
  if (environments === undefined || typeof env !== 'string' || environments.includes(env)) return [];
  const known = environments.length ? `available: ${[...environments].sort().map((e) => (builtin.includes(e) ? `${e} (built into dap)` : e)).join(', ')}` : 'there are none';
  return [problemAt(sd, offsetOf(sd, ['environment']), `environment "${env}" does not exist under environments/ (${known}); create environments/${env}/environment.yaml or a Dockerfile there, or use image: instead`)];
}

function sweepProblems(sd: SpecDocument, data: Obj, maxRuns: number): Problem[] {
  const sweep = data.sweep;
  if (!isObj(sweep)) return [];
  const fixed = isObj(data.params) ? data.params : {};
  const problems: Problem[] = [];
  const tooBig = (kind: string, size: number): void => {
    if (size > maxRuns) {
      problems.push(problemAt(sd, offsetOf(sd, ['sweep', kind], 'key'), `oversized sweep: ${kind} expands to ${size.toLocaleString('en-US')} runs, more than the limit of ${maxRuns.toLocaleString('en-US')} per experiment; narrow it or split it into several experiments`));
    }
  };
  if (isObj(sweep.grid)) {
    let size = 1;
    for (const [axis, values] of Object.entries(sweep.grid)) {
      if (!Array.isArray(values)) continue;
      size *= values.length;
      problems.push(...duplicateValues(sd, ['sweep', 'grid', axis], values, `grid axis "${axis}"`));
    }
    tooBig('grid', size);
  }
  if (Array.isArray(sweep.list)) {
    tooBig('list', sweep.list.length);
    const seen = new Map<string, number>();
    sweep.list.forEach((c, i) => {
      if (!isObj(c)) return;
      const id = canonicalJson({ ...fixed, ...c });
      const prev = seen.get(id);
      if (prev === undefined) seen.set(id, i);
      else problems.push(problemAt(sd, offsetOf(sd, ['sweep', 'list', i]), `list case ${i + 1} gives the same params as case ${prev + 1}; each run needs distinct params`));
    });
  }
  if (isObj(sweep.random)) problems.push(...randomProblems(sd, sweep.random, maxRuns, tooBig));
  return problems;
}

function duplicateValues(sd: SpecDocument, path: PathSegment[], values: unknown[], what: string): Problem[] {
  const seen = new Map<string, number>();
  const problems: Problem[] = [];
  values.forEach((v, i) => {
    if (!isScalar(v)) return;
    const id = canonicalJson(v);
    const prev = seen.get(id);
    if (prev === undefined) seen.set(id, i);
    else problems.push(problemAt(sd, offsetOf(sd, [...path, i]), `${what} lists ${JSON.stringify(v)} twice; runs would repeat`));
  });
  return problems;
}

function randomProblems(sd: SpecDocument, random: Obj, maxRuns: number, tooBig: (kind: string, size: number) => void): Problem[] {
  const problems: Problem[] = [];
  const space = isObj(random.space) ? random.space : {};
  let spaceOk = Object.keys(space).length > 0;
  for (const [name, dist] of Object.entries(space)) {
    if (!isObj(dist)) { spaceOk = false; continue; }
    const kinds = Object.keys(dist);
    if (kinds.length !== 1) { spaceOk = false; continue; }
    const kind = kinds[0]!;
    const range = dist[kind];
    const path: PathSegment[] = ['sweep', 'random', 'space', name, kind];
    if (kind === 'choice') {
      if (!Array.isArray(range) || range.length === 0 || !range.every(isScalar)) spaceOk = false;
      else problems.push(...duplicateValues(sd, path, range, `choice for "${name}"`));
      continue;
    }
    if (!isNumPair(range) || !['uniform', 'loguniform', 'int'].includes(kind)) { spaceOk = false; continue; }
    const [low, high] = range;
    if (kind === 'int' ? low > high : low >= high) {
      problems.push(problemAt(sd, offsetOf(sd, path), `${kind} range for "${name}" must have low ${kind === 'int' ? '<=' : '<'} high, got [${low}, ${high}]`));
      spaceOk = false;
    }
    if ((kind === 'int' && !(Number.isInteger(low) && Number.isInteger(high))) || (kind === 'loguniform' && low <= 0)) spaceOk = false;
  }
  const samples = random.samples;
  if (typeof samples !== 'number' || !Number.isInteger(samples) || samples < 1) return problems;
  tooBig('random', samples);
  const seed = random.seed;
  if (spaceOk && samples <= maxRuns && typeof seed === 'number' && Number.isInteger(seed) && seed >= 0) {
    const drawn = sampleSpace(samples, seed, space as Record<string, Distribution>);
    if (drawn.exhausted) {
      problems.push(problemAt(sd, offsetOf(sd, ['sweep', 'random', 'samples']), `random sweep asks for ${samples} samples but its space holds only ${drawn.exhausted.found} distinct points; lower samples or widen the space`));
    }
  }
  return problems;
}

/** Parameter names become DAP_PARAM_<NAME upper-cased>; two names must not map to one variable. */
function envNameCollisions(sd: SpecDocument, data: Obj): Problem[] {
  const names: Array<{ name: string; path: PathSegment[] }> = [];
  const add = (obj: unknown, path: PathSegment[]): void => {
    if (isObj(obj)) for (const name of Object.keys(obj)) names.push({ name, path: [...path, name] });
  };
  add(data.params, ['params']);
  const sweep = isObj(data.sweep) ? data.sweep : {};
  add(sweep.grid, ['sweep', 'grid']);
  if (Array.isArray(sweep.list)) sweep.list.forEach((c, i) => add(c, ['sweep', 'list', i]));
  if (isObj(sweep.random)) add(sweep.random.space, ['sweep', 'random', 'space']);
  const byEnv = new Map<string, string>();
  const problems: Problem[] = [];
  const reported = new Set<string>();
  for (const { name, path } of names) {
    const env = paramEnvName(name);
    const prev = byEnv.get(env);
    if (prev === undefined) byEnv.set(env, name);
    else if (prev !== name && !reported.has(`${prev}|${name}`)) {
      reported.add(`${prev}|${name}`);
      problems.push(problemAt(sd, offsetOf(sd, path, 'key'), `parameters "${prev}" and "${name}" both become the environment variable ${env}; rename one of them`));
    }
  }
  return problems;
}

/** Every parameter name a run can have, and those every run is sure to have. */
export function paramNames(data: Obj): { any: Set<string>; always: Set<string> } {
  const fixed = isObj(data.params) ? Object.keys(data.params) : [];
  const sweep = isObj(data.sweep) ? data.sweep : {};
  const any = new Set(fixed);
  const always = new Set(fixed);
  const keysOf = (o: unknown): string[] => (isObj(o) ? Object.keys(o) : []);
  if (isObj(sweep.grid)) for (const k of keysOf(sweep.grid)) { any.add(k); always.add(k); }
  if (isObj(sweep.random)) for (const k of keysOf(sweep.random.space)) { any.add(k); always.add(k); }
  if (isObj(sweep.halving)) {
    const h = sweep.halving;
    const budget = isObj(h.budget) && typeof h.budget.param === 'string' ? [h.budget.param] : [];
    const listKeys = Array.isArray(h.list) ? h.list.map(keysOf) : [];
    for (const k of [...keysOf(h.space), ...keysOf(h.grid), ...budget]) { any.add(k); always.add(k); }
    for (const ks of listKeys) for (const k of ks) { any.add(k); if (listKeys.every((o) => o.includes(k))) always.add(k); }
  }
  if (Array.isArray(sweep.list)) {
    const cases = sweep.list.map(keysOf);
    for (const ks of cases) for (const k of ks) any.add(k);
    for (const k of any) if (cases.length && cases.every((ks) => ks.includes(k))) always.add(k);
  }
  return { any, always };
}

function commandProblems(sd: SpecDocument, data: Obj): Problem[] {
  const command = data.command;
  const problems: Problem[] = [];
  if (typeof command === 'string') {
    for (const t of findTemplates(command)) {
      const env = t.param ? `"$${paramEnvName(t.param)}"` : '"$DAP_PARAM_<NAME>"';
      problems.push(problemAt(sd, offsetInside(sd, ['command'], t.raw), `${t.raw} is not substituted in a shell-string command; use ${env} (an environment variable, always quote it) or write command as an argv list`));
    }
    return problems;
  }
  if (!Array.isArray(command)) return problems;
  const { any, always } = paramNames(data);
  command.forEach((item, i) => {
    if (typeof item !== 'string') return;
    for (const t of findTemplates(item)) {
      const at = offsetInside(sd, ['command', i], t.raw);
      if (t.param === undefined) {
        problems.push(problemAt(sd, at, `unsupported template ${t.raw}; only {{ params.NAME }} is substituted`));
      } else if (!any.has(t.param)) {
        const known = [...any].sort();
        problems.push(problemAt(sd, at, `${t.raw} refers to unknown parameter "${t.param}" (${known.length ? `known: ${known.join(', ')}` : 'the spec defines no params'})`));
      } else if (!always.has(t.param)) {
        problems.push(problemAt(sd, at, `${t.raw}: some sweep.list cases do not set "${t.param}" and params gives no default`));
      }
    }
  });
  return problems;
}
