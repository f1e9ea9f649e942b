import { createRequire } from 'node:module';
import type { Ajv as AjvClass, ErrorObject, ValidateFunction } from 'ajv';
import type { Problem } from '../../errors.js';
import { displayPath, offsetOf, problemAt } from './document.js';
import type { PathSegment, SpecDocument } from './document.js';

// Runs the experiment JSON Schema over a parsed spec and turns ajv's errors into problems that
// point at the offending key (unknown/missing keys) or value (wrong types), with plain messages.

// ajv's compiler is required only when the schema is compiled here (dap normally loads the
// compiled validator from its cache): loading it is a good part of a cold CLI start.
const require = createRequire(import.meta.url);

const compiled = new WeakMap<object, ValidateFunction>();

function specAjv(withSource: boolean): AjvClass {
  const mod = require('ajv') as { default?: typeof AjvClass };
  // ajv's CJS default export
  const Ajv = (mod.default ?? mod) as typeof AjvClass;
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true, ...(withSource ? { code: { source: true } } : {}) });
  // `errorMessage` is an annotation (also understood by VS Code) holding our human message
  ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
  return ajv;
}

/** Compile (once per schema object) the experiment schema. */
export function compileSpecSchema(schema: object): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = specAjv(false).compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/**
 * The same validator plus its code as a standalone CommonJS module (requiring only ajv's runtime
 * helpers), for dap's cache. `code.source` only keeps the generated code; validation is the same.
 */
export function compileSpecSchemaWithSource(schema: object): { validate: ValidateFunction; source: string } {
  const ajv = specAjv(true);
  const validate = ajv.compile(schema);
  const standalone = require('ajv/dist/standalone/index.js') as { default: (ajv: AjvClass, v: ValidateFunction) => string };
  return { validate, source: standalone.default(ajv, validate) };
}

export function schemaProblems(sd: SpecDocument, validate: ValidateFunction): Problem[] {
  const data = sd.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    const what = data === null || data === undefined ? 'empty' : Array.isArray(data) ? 'a list' : `a ${typeof data}`;
    return [problemAt(sd, offsetOf(sd, []), `an experiment spec must be a mapping with name, command and environment or image; this file is ${what}`)];
  }
  if (validate(data)) return [];
  return relevantErrors(validate.errors ?? []).map((e) => toProblem(sd, e));
}

/** Drop the noise under a failed oneOf: its message (errorMessage) already says what is wanted. */
function relevantErrors(errors: ErrorObject[]): ErrorObject[] {
  const oneOfs = errors.filter((e) => e.keyword === 'oneOf').map((e) => `${e.schemaPath}/`);
  const kept = errors.filter((e) => !oneOfs.some((p) => e.schemaPath.startsWith(p)));
  // propertyNames reports the inner pattern error and then a summary: keep the inner one
  return kept.filter((e) => e.keyword !== 'propertyNames');
}

function pathOf(data: unknown, pointer: string): PathSegment[] {
  if (!pointer) return [];
  const segs: PathSegment[] = [];
  let cur: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const isIndex = Array.isArray(cur);
    segs.push(isIndex ? Number(seg) : seg);
    cur = (cur as Record<string, unknown> | undefined)?.[seg];
  }
  return segs;
}

function toProblem(sd: SpecDocument, e: ErrorObject): Problem {
  const path = pathOf(sd.data, e.instancePath);
  const where = displayPath(path);
  const custom = (e.parentSchema as { errorMessage?: string } | undefined)?.errorMessage;
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
      const guess = closest(key, known);
      const hint = guess ? `; did you mean "${guess}"?` : known.length ? ` (allowed: ${known.join(', ')})` : '';
      return problemAt(sd, offsetOf(sd, [...path, key], 'key'), `unknown key "${key}" in ${where}${hint}`);
    }
    case 'required': {
      const key = String(params.missingProperty);
      return problemAt(sd, offsetOf(sd, path, path.length ? 'key' : 'value'), `${where} is missing the required key "${key}"`);
    }
    case 'oneOf': {
      const passing = params.passingSchemas;
      const branches = (e.schema as Array<{ required?: string[] }> | undefined) ?? [];
      // several branches passed: point at the conflicting key written last
      if (Array.isArray(passing) && passing.length > 1) {
        const keys = passing.map((i) => branches[i as number]?.required?.[0]).filter((k): k is string => k !== undefined);
        const offsets = keys.map((k) => offsetOf(sd, [...path, k], 'key'));
        if (offsets.length) return problemAt(sd, Math.max(...offsets), custom ?? `${where} must match exactly one form`);
      }
      // "one of these keys" forms point at the object's key; "one of these types" at the value
      const keyForm = branches.every((b) => Object.keys(b).length === 1 && Array.isArray(b.required));
      return problemAt(sd, offsetOf(sd, path, keyForm && path.length ? 'key' : 'value'), custom ?? `${where} must match exactly one form`);
    }
    case 'pattern':
      if (e.propertyName !== undefined) {
        return problemAt(sd, offsetOf(sd, [...path, e.propertyName], 'key'), `"${e.propertyName}": ${custom ?? `key ${e.message}`}`);
      }
      break;
  }
  const sweepMessage = emptySweepMessage(path, e);
  if (sweepMessage) return problemAt(sd, offsetOf(sd, path, 'value'), sweepMessage);
  const last = String(path[path.length - 1] ?? '');
  const message = custom ? (last && custom.startsWith(`${last} `) ? custom : `${where}: ${custom}`) : `${where} ${typeMessage(e) ?? e.message ?? 'is invalid'}${describeAllowed(e)}`;
  return problemAt(sd, offsetOf(sd, path, 'value'), message);
}

/** ajv speaks JSON; users write YAML. */
const YAML_TYPE_NAMES: Record<string, string> = { object: 'a mapping', array: 'a list', string: 'a string', number: 'a number', integer: 'an integer', boolean: 'true or false' };

function typeMessage(e: ErrorObject): string | undefined {
  if (e.keyword !== 'type') return undefined;
  const wanted = String((e.params as { type: string | string[] }).type).split(',');
  return `must be ${wanted.map((t) => YAML_TYPE_NAMES[t] ?? t).join(' or ')}`;
}

function describeAllowed(e: ErrorObject): string {
  if (e.keyword === 'enum') return `: ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  return '';
}

/** Empty sweeps are schema errors (minItems/minimum); say what they mean. */
function emptySweepMessage(path: PathSegment[], e: ErrorObject): string | undefined {
  if (path[0] !== 'sweep') return undefined;
  const [, kind, axis] = path;
  if (kind === 'grid' && path.length === 3 && e.keyword === 'minItems') return `empty sweep: grid axis "${String(axis)}" has no values, so the grid expands to 0 runs`;
  if (kind === 'grid' && path.length === 2 && e.keyword === 'minProperties') return 'empty sweep: the grid has no axes';
  if (kind === 'list' && path.length === 2 && e.keyword === 'minItems') return 'empty sweep: the list has no cases';
  if (kind === 'random' && axis === 'samples' && e.keyword === 'minimum') return 'empty sweep: random.samples must be at least 1';
  if (kind === 'random' && axis === 'space' && path.length === 3 && e.keyword === 'minProperties') return 'empty sweep: random.space has no params';
  if (kind === 'random' && axis === 'space' && path.length === 5 && path[4] === 'choice' && e.keyword === 'minItems') {
    return `empty sweep: choice for "${String(path[3])}" has no values`;
  }
  return undefined;
}

/** The known key within edit distance 2 of `key`, for "did you mean" hints. */
function closest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDist = 3;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDist) [best, bestDist] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
