// dap lint FILE: read the file and GitLab's bundled schema, lint, return the report.

import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';
import { DapError } from '../errors.js';
import { schemasDir } from '../paths.js';
import { lintText, type LintReport } from '../core/lint/index.js';
import { compileGitlabSchemaWithSource, type SchemaValidator } from '../core/lint/schema.js';
import { defaultLimits, type Limits } from '../core/pipeline/types.js';

export const gitlabSchemaPath = path.join(schemasDir, 'gitlab-ci.schema.json');

let cached: SchemaValidator | undefined;

const cacheDir = () => path.join(process.env.DAP_CACHE || path.join(homedir(), '.cache', 'dap'), 'gitlab-ci-schema');

/**
 * GitLab's CI schema (a copy of GitLab's ci.json shipped with dap), compiled once per process.
 * Compiling takes ~0.5 s, so the compiled code is kept as a standalone module in the cache,
 * keyed by the schema text and the ajv/ajv-formats versions; any problem with the cache just
 * means compiling again.
 */
export async function gitlabSchemaValidator(): Promise<SchemaValidator> {
  if (cached) return cached;
  const text = await readFile(gitlabSchemaPath, 'utf8');
  const require = createRequire(import.meta.url);
  const versions = ['ajv', 'ajv-formats'].map((p) => (require(`${p}/package.json`) as { version: string }).version).join(',');
  const key = createHash('sha256').update(`${versions}\n${text}`).digest('hex').slice(0, 24);
  const file = path.join(cacheDir(), `${key}.cjs`);
  const source = await readFile(file, 'utf8').catch(() => undefined);
  if (source !== undefined) {
    try {
      cached = loadStandalone(source, require);
      return cached;
    } catch {
      // a damaged cache entry: compile again below and overwrite it
    }
  }
  const compiled = compileGitlabSchemaWithSource(JSON.parse(text) as object);
  cached = compiled.validate;
  await mkdir(path.dirname(file), { recursive: true })
    .then(() => writeFile(`${file}.${process.pid}.tmp`, compiled.source))
    .then(() => rename(`${file}.${process.pid}.tmp`, file))
    .catch(() => undefined); // read-only home: fine, just slower next time
  return cached;
}

/** Evaluate ajv's standalone CommonJS module with dap's own `require` (for ajv's runtime helpers). */
export function loadStandalone(source: string, require: NodeJS.Require): SchemaValidator {
  const module = { exports: {} as { default?: SchemaValidator } };
  new Function('require', 'module', 'exports', source)(require, module, module.exports);
  const validate = module.exports.default ?? (module.exports as unknown as SchemaValidator);
  if (typeof validate !== 'function') throw new Error('not a validator');
  return validate;
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
