import type { ErrorObject } from 'ajv';
import type { Problem } from '../../errors.js';
import { displayPath, offsetOf, parseSpecDocument, problemAt } from '../spec/document.js';
import type { PathSegment, SpecDocument } from '../spec/document.js';
import { compileSpecSchema } from '../spec/schema-check.js';
import { resolveEnvironment } from './types.js';
import type { EnvironmentSpec, ResolvedEnvironment } from './types.js';

// environment.yaml text -> a resolved environment, or problems located at file:line:col with a
// code frame. Pure: the caller reads the file and the schema.

export type EnvParseResult =
  | { ok: true; env: ResolvedEnvironment }
  | { ok: false; problems: Problem[] };

export interface EnvSource {
  name: string;
  /** path as the user should see it */
  file: string;
  source: string;
  schema: object;
  /** files present in the environment directory (for `requirements:`) */
  files: readonly string[];
}

export function parseEnvironment(input: EnvSource): EnvParseResult {
  const { doc, problems } = parseSpecDocument({ file: input.file, source: input.source });
  if (doc.fatal) return { ok: false, problems };
  const data = doc.data ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, problems: [...problems, problemAt(doc, 0, 'environment.yaml must be a mapping (base, apt, pip, user, ssh, jupyter, ...)')] };
  }
  const validate = compileSpecSchema(input.schema);
  if (!validate(data)) problems.push(...(validate.errors ?? []).filter(relevant).map((e) => toProblem(doc, e)));
  const spec = data as EnvironmentSpec;
  if (problems.length === 0 && spec.requirements !== undefined) {
    const req = spec.requirements;
    if (req.startsWith('/') || req.split('/').includes('..')) {
      problems.push(problemAt(doc, offsetOf(doc, ['requirements']), 'requirements must be a path inside the environment directory'));
    } else if (!input.files.includes(req)) {
      problems.push(problemAt(doc, offsetOf(doc, ['requirements']), `requirements file "${req}" not found in environments/${input.name}/`));
    }
  }
  if (problems.length) return { ok: false, problems };
  return { ok: true, env: resolveEnvironment(input.name, spec) };
}

function relevant(e: ErrorObject): boolean {
  // the summary errors of oneOf/propertyNames repeat what the inner errors (or errorMessage) say
  return e.keyword !== 'propertyNames' && !(e.schemaPath.includes('/oneOf/'));
}

function pathOf(pointer: string): PathSegment[] {
  if (!pointer) return [];
  return pointer.slice(1).split('/').map((s) => {
    const seg = s.replace(/~1/g, '/').replace(/~0/g, '~');
    return /^\d+$/.test(seg) ? Number(seg) : seg;
  });
}

function toProblem(doc: SpecDocument, e: ErrorObject): Problem {
  const path = pathOf(e.instancePath);
  const where = displayPath(path) === 'the spec' ? 'environment.yaml' : displayPath(path);
  const params = e.params as Record<string, unknown>;
  const custom = (e.parentSchema as { errorMessage?: string } | undefined)?.errorMessage;
  if (e.keyword === 'additionalProperties') {
    const key = String(params.additionalProperty);
    const known = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
    return problemAt(doc, offsetOf(doc, [...path, key], 'key'), `unknown key "${key}" in ${where} (allowed: ${known.join(', ')})`);
  }
  if (e.keyword === 'pattern' && e.propertyName !== undefined) {
    return problemAt(doc, offsetOf(doc, [...path, e.propertyName], 'key'), `"${e.propertyName}": ${custom ?? e.message}`);
  }
  const message = custom ? `${where} ${custom}` : `${where} ${e.message ?? 'is invalid'}`;
  return problemAt(doc, offsetOf(doc, path, 'value'), message);
}
