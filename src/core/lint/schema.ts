import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';

// ajv's compiler, ajv-formats and the standalone generator are required only when a schema is
// compiled: dap generate/lint normally load GitLab's validator precompiled from the cache, and
// loading these modules is a good part of a cold CLI start.
const require = createRequire(import.meta.url);

function gitlabAjv(withSource: boolean): Ajv {
  const { Ajv: AjvClass } = require('ajv') as typeof import('ajv');
  // CJS default export under NodeNext
  const addFormats = require('ajv-formats') as { default?: unknown };
  const add = (addFormats.default ?? addFormats) as (ajv: Ajv) => Ajv;
  const ajv = new AjvClass({ strictTypes: false, strictTuples: false, allowMatchingProperties: true, ...(withSource ? { code: { source: true } } : {}) });
  ajv.addKeyword('markdownDescription');
  add(ajv);
  return ajv;
}

function standaloneCode(ajv: Ajv, validate: SchemaValidator): string {
  const mod = require('ajv/dist/standalone/index.js') as { default?: unknown };
  return ((mod.default ?? mod) as (ajv: Ajv, validate: SchemaValidator) => string)(ajv, validate);
}

export type SchemaValidator = ValidateFunction;

export function compileGitlabSchema(schema: object): SchemaValidator {
  return gitlabAjv(false).compile(schema);
}

/**
 * The same validator plus its code as a standalone CommonJS module (it requires only ajv's
 * runtime helpers and ajv-formats), so a later process can load it instead of compiling again.
 * `code.source` only keeps the generated code; it does not change what validates.
 */
export function compileGitlabSchemaWithSource(schema: object): { validate: SchemaValidator; source: string } {
  const ajv = gitlabAjv(true);
  const validate = ajv.compile(schema);
  return { validate, source: standaloneCode(ajv, validate) };
}

export interface SchemaError {
  pointer: string;
  message: string;
}

/**
 * ajv reports every failed branch of every oneOf/anyOf; keep, per location, the most specific
 * messages (an additionalProperties or enum error beats "must match exactly one schema").
 */
export function schemaErrors(validate: SchemaValidator, data: unknown): SchemaError[] {
  if (validate(data)) return [];
  const errors = (validate.errors ?? []) as ErrorObject[];
  const byPointer = new Map<string, ErrorObject[]>();
  for (const e of errors) byPointer.set(e.instancePath, [...(byPointer.get(e.instancePath) ?? []), e]);
  const pointers = [...byPointer.keys()];
  // a location whose children also failed is explained better by the children
  const leaves = pointers.filter((p) => !pointers.some((q) => q !== p && q.startsWith(p + '/')));
  const out: SchemaError[] = [];
  for (const p of leaves.sort()) {
    const errs = byPointer.get(p)!;
    const specific = errs.filter((e) => !['oneOf', 'anyOf', 'if', 'not'].includes(e.keyword));
    const seen = new Set<string>();
    for (const e of specific.length ? specific : errs) {
      const msg = describe(e);
      if (seen.has(msg)) continue;
      seen.add(msg);
      // an unknown key is best shown at the key itself, not at the object holding it
      const extra = e.keyword === 'additionalProperties' ? (e.params as { additionalProperty: string }).additionalProperty : undefined;
      out.push({ pointer: extra === undefined ? p : `${p}/${extra.replace(/~/g, '~0').replace(/\//g, '~1')}`, message: msg });
    }
  }
  return out;
}

function describe(e: ErrorObject): string {
  const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '(top level)';
  const p = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties') return `${where}: unknown key "${String(p.additionalProperty)}"`;
  if (e.keyword === 'enum') return `${where}: must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  if (e.keyword === 'const') return `${where}: must be ${JSON.stringify(p.allowedValue)}`;
  return `${where}: ${e.message ?? e.keyword}`;
}
