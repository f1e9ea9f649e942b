// dap lint FILE: read the file and GitLab's bundled schema, lint, return the report.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DapError } from '../errors.js';
import { schemasDir } from '../paths.js';
import { lintText, type LintReport } from '../core/lint/index.js';
import { compileGitlabSchemaWithSource, type SchemaValidator } from '../core/lint/schema.js';
import { defaultLimits, type Limits } from '../core/pipeline/types.js';
import { cachedSchemaValidator } from './schema-cache.js';

export const gitlabSchemaPath = path.join(schemasDir, 'gitlab-ci.schema.json');

let cached: SchemaValidator | undefined;

/** GitLab's CI schema (a copy of GitLab's ci.json shipped with dap), compiled once per process. */
export async function gitlabSchemaValidator(): Promise<SchemaValidator> {
  if (cached) return cached;
  const schemaText = await readFile(gitlabSchemaPath, 'utf8');
  cached = cachedSchemaValidator<SchemaValidator>({
    name: 'gitlab-ci-schema', schemaText, compile: () => compileGitlabSchemaWithSource(JSON.parse(schemaText) as object),
  });
  return cached;
}

export interface LintOptions {
  file: string;
  schemaOnly?: boolean;
  limits?: Partial<Limits>;
}

export interface LintResult extends LintReport {
  file: string;
  source: string;
}

export async function lintOp(opts: LintOptions): Promise<LintResult> {
  let source: string;
  try {
    source = await readFile(opts.file, 'utf8');
  } catch (err) {
    throw new DapError(`cannot read ${opts.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { hint: 'pass the path of a .gitlab-ci.yml file' });
  }
  const report = lintText({
    text: source,
    validate: await gitlabSchemaValidator(),
    limits: { ...defaultLimits, ...opts.limits },
    schemaOnly: opts.schemaOnly,
  });
  return { ...report, file: opts.file, source };
}
