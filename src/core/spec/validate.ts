import type { ValidateFunction } from 'ajv';
import type { Problem } from '../../errors.js';
import { parseSpecDocument } from './document.js';
import type { SpecDocument, SpecSource } from './document.js';
import { compileSpecSchema, schemaProblems } from './schema-check.js';
import { DEFAULT_MAX_RUNS_PER_EXPERIMENT, duplicateNameProblems, fileProblems } from './semantics.js';
import type { ExperimentSpec, LoadedSpec } from './types.js';
import { specWarnings } from './warnings.js';

export interface ValidateSpecsOptions {
  /** the parsed schemas/experiment.schema.json (the caller reads it; core does no I/O) */
  schema: object;
  /** environment names found under environments/; undefined skips the reference check */
  environments?: readonly string[];
  /** those of `environments` that ship with dap (base, python), not with the project */
  builtinEnvironments?: readonly string[];
  /** default DEFAULT_MAX_RUNS_PER_EXPERIMENT (10,000) */
  maxRunsPerExperiment?: number;
  /** `schema` already compiled (e.g. loaded from dap's cache); default: compiled here */
  validator?: ValidateFunction;
}

export interface ValidateSpecsResult {
  /** the specs without problems, in input order */
  specs: LoadedSpec[];
  /** every problem of every file, by file (input order) then position */
  problems: Problem[];
  /** legal but likely mistakes (see warnings.ts), of the files without problems */
  warnings: Problem[];
}

/** Parse, schema-check and cross-check spec sources. Collects every problem; never throws for bad input. */
export function validateSpecSources(sources: SpecSource[], opts: ValidateSpecsOptions): ValidateSpecsResult {
  const validate = opts.validator ?? compileSpecSchema(opts.schema);
  const semantic = {
    environments: opts.environments,
    builtinEnvironments: opts.builtinEnvironments,
    maxRunsPerExperiment: opts.maxRunsPerExperiment ?? DEFAULT_MAX_RUNS_PER_EXPERIMENT,
  };
  const docs: SpecDocument[] = [];
  const perFile = new Map<SpecDocument, Problem[]>();
  for (const source of sources) {
    const { doc, problems } = parseSpecDocument(source);
    if (!doc.fatal) problems.push(...schemaProblems(doc, validate), ...fileProblems(doc, semantic));
    docs.push(doc);
    perFile.set(doc, problems);
  }
  for (const { doc, problem } of duplicateNameProblems(docs.filter((d) => !d.fatal))) perFile.get(doc)!.push(problem);
  const specs: LoadedSpec[] = [];
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  for (const doc of docs) {
    const mine = perFile.get(doc)!;
    mine.sort((a, b) => a.line - b.line || a.col - b.col);
    problems.push(...mine);
    if (mine.length === 0) {
      specs.push({ file: doc.file, source: doc.source, hash: doc.hash, spec: doc.data as ExperimentSpec });
      warnings.push(...specWarnings(doc));
    }
  }
  return { specs, problems, warnings };
}
