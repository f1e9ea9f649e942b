// GitLab's CI JSON schema, compiled exactly as GitLab's own ci_schema_spec.js does.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import standaloneModule from 'ajv/dist/standalone/index.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
// CJS default exports under NodeNext
const standaloneCode = ((standaloneModule as unknown as { default?: unknown }).default ?? standaloneModule) as (ajv: Ajv, validate: SchemaValidator) => string;

export type SchemaValidator = ValidateFunction;

function gitlabAjv(withSource: boolean): Ajv {
  const ajv = new Ajv({ strictTypes: false, strictTuples: false, allowMatchingProperties: true, ...(withSource ? { code: { source: true } } : {}) });
  ajv.addKeyword('markdownDescription');
  addFormats(ajv);
  return ajv;
}

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
      out.push({ pointer: p, message: msg });
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
