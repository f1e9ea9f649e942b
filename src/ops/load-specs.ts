import { existsSync, readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { DapError, ProblemsError, UsageError, type Problem } from '../errors.js';
import { bundledEnvironmentsDir, projectLayout, schemasDir } from '../paths.js';
import { validateSpecSources } from '../core/spec/validate.js';
import { compileSpecSchemaWithSource } from '../core/spec/schema-check.js';
import { cachedSchemaValidator } from './schema-cache.js';
import type { SpecSource } from '../core/spec/document.js';
import type { LoadedSpec } from '../core/spec/types.js';

export interface LoadSpecsOptions {
  /** per-experiment run limit (default 10,000) */
  maxRunsPerExperiment?: number;
  /** environment names to accept; default: those found under <root>/environments and dap's bundled ones */
  environments?: readonly string[];
  /** called with each warning (a likely mistake that does not stop the specs from loading) */
  onWarning?: (warning: Problem) => void;
}

let schemaText: string | undefined;
let schemaCache: object | undefined;
let validatorCache: ValidateFunction | undefined;

const readSchemaText = (): string => (schemaText ??= readFileSync(path.join(schemasDir, 'experiment.schema.json'), 'utf8'));

/** schemas/experiment.schema.json, read once per process. */
export function experimentSchema(): object {
  schemaCache ??= JSON.parse(readSchemaText()) as object;
  return schemaCache;
}

/** The experiment schema compiled, once per process (and cached on disk across processes). */
export function experimentValidator(): ValidateFunction {
  validatorCache ??= cachedSchemaValidator<ValidateFunction>({
    name: 'experiment-schema', schemaText: readSchemaText(), compile: () => compileSpecSchemaWithSource(experimentSchema()),
  });
  return validatorCache;
}

/** experiments/*.yaml|*.yml under root, sorted by name (the order plans and pipelines use). */
export async function findSpecFiles(root: string): Promise<string[]> {
  const dir = projectLayout(root).experimentsDir;
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    throw new UsageError(`no experiments/ directory in ${root}`, 'run dap from the project root, pass --root DIR, or name spec files explicitly');
  }
  return entries.filter((n) => /\.ya?ml$/.test(n)).sort().map((n) => path.join(dir, n));
}

/** Names of directories under environments/ that hold an environment.yaml or a Dockerfile. */
export async function listEnvironments(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return [];
  }
  const names: string[] = [];
  for (const name of entries.sort()) {
    const d = path.join(dir, name);
    if ((await stat(d).catch(() => undefined))?.isDirectory() && (existsSync(path.join(d, 'environment.yaml')) || existsSync(path.join(d, 'Dockerfile')))) {
      names.push(name);
    }
  }
  return names;
}

/** A path as the user should see it: relative to root when inside it. */
function displayName(root: string, abs: string): string {
  const rel = path.relative(root, abs);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : abs;
}

export async function readSpecSources(root: string, files?: readonly string[]): Promise<SpecSource[]> {
  const absRoot = path.resolve(root);
  const abs = files?.length ? [...new Set(files.map((f) => path.resolve(f)))] : await findSpecFiles(absRoot);
  // synchronous reads: for a hundred small files several times faster than awaiting each (or all)
  const sources: SpecSource[] = [];
  for (const file of abs) {
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR') throw new UsageError(`no such spec file: ${file}`, 'name experiments/NAME.yaml files, or none to check them all');
      throw new DapError(`cannot read ${file}: ${code ?? (err as Error).message}`, { hint: 'check the file permissions' });
    }
    sources.push({ file: displayName(absRoot, file), source });
  }
  return sources;
}

export async function projectEnvironments(root: string): Promise<string[]> {
  const { own, builtin } = await environmentSources(root);
  return [...new Set([...own, ...builtin])].sort();
}

/** The project's environments/ and dap's built-in ones (base, python) that the project does not override. */
export async function environmentSources(root: string): Promise<{ own: string[]; builtin: string[] }> {
  const own = await listEnvironments(projectLayout(path.resolve(root)).environmentsDir);
  const bundled = path.resolve(bundledEnvironmentsDir) === path.resolve(projectLayout(root).environmentsDir) ? [] : await listEnvironments(bundledEnvironmentsDir);
  return { own, builtin: bundled.filter((b) => !own.includes(b)) };
}

/**
 * Read and validate the project's specs (all of experiments/*.yaml, or just `files`).
 * Throws ProblemsError listing every problem in every file; otherwise returns the specs in file order.
 */
export async function loadSpecs(root: string, files?: readonly string[], opts: LoadSpecsOptions = {}): Promise<LoadedSpec[]> {
  const sources = await readSpecSources(root, files);
  if (sources.length === 0) {
    throw new DapError(`no experiment specs found in ${path.join(root, 'experiments')}`, { hint: 'add experiments/NAME.yaml (see schemas/experiment.schema.json)' });
  }
  const { specs, problems, warnings } = validateSpecSources(sources, {
    schema: experimentSchema(),
    validator: experimentValidator(),
    environments: opts.environments ?? (await projectEnvironments(root)),
    builtinEnvironments: opts.environments ? [] : (await environmentSources(root)).builtin,
    maxRunsPerExperiment: opts.maxRunsPerExperiment,
  });
  if (problems.length) {
    const files = new Set(problems.map((p) => p.file)).size;
    throw new ProblemsError(problems, `${problems.length} problem${problems.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}`);
  }
  for (const w of warnings) opts.onWarning?.(w);
  return specs;
}
