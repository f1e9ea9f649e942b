import { sha256 } from '../core/hash.js';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { cacheDir } from '../paths.js';

// Compiling a JSON schema with ajv costs 0.1-0.5 s of a cold CLI start, so dap keeps the compiled
// code as an ajv standalone module under ${DAP_CACHE:-~/.cache/dap}/<name>/, keyed by the schema
// text and the ajv/ajv-formats versions. A missing, damaged or unwritable entry just means
// compiling again: the cache can never change a result.

const require = createRequire(import.meta.url);

export interface CompiledSchema<V> { validate: V; source: string }

export interface SchemaCacheOptions<V> {
  /** cache subdirectory: `gitlab-ci-schema`, `experiment-schema` */
  name: string;
  schemaText: string;
  compile: () => CompiledSchema<V>;
  env?: NodeJS.ProcessEnv;
}

export function cachedSchemaValidator<V extends ValidateFunction>(opts: SchemaCacheOptions<V>): V {
  const versions = ['ajv', 'ajv-formats'].map((p) => (require(`${p}/package.json`) as { version: string }).version).join(',');
  const key = sha256(`${opts.name}\n${versions}\n${opts.schemaText}`).slice(0, 24);
  const file = path.join(cacheDir(opts.env), opts.name, `${key}.cjs`);
  let source: string | undefined;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    source = undefined;
  }
  if (source !== undefined) {
    try {
      return loadStandalone<V>(source);
    } catch {
      // a damaged entry: compile again below and overwrite it
    }
  }
  const compiled = opts.compile();
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(`${file}.${process.pid}.tmp`, compiled.source);
    renameSync(`${file}.${process.pid}.tmp`, file); // atomic: a concurrent reader sees all or nothing
  } catch {
    // read-only home: fine, just slower next time
  }
  return compiled.validate;
}

/** Evaluate ajv's standalone CommonJS module with dap's own `require` (for ajv's runtime helpers). */
export function loadStandalone<V extends ValidateFunction = ValidateFunction>(source: string, req: NodeJS.Require = require): V {
  const module = { exports: {} as { default?: V } };
  new Function('require', 'module', 'exports', source)(req, module, module.exports);
  const validate = module.exports.default ?? (module.exports as unknown as V);
  if (typeof validate !== 'function') throw new Error('not a validator');
  return validate;
}
