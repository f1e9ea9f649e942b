// dap lint: GitLab's schema first, then the meaning. Pure: text and a compiled schema in, problems out.

import { positionOf, parseYaml, pointerToPath } from './locate.js';
import { schemaErrors, type SchemaValidator } from './schema.js';
import { semanticProblems } from './semantic.js';
import type { Limits } from '../pipeline/types.js';

export interface LintProblem {
  line: number;
  col: number;
  message: string;
  severity: 'error' | 'warning';
  kind: 'yaml' | 'schema' | 'semantic';
}

export interface LintInput {
  text: string;
  validate: SchemaValidator;
  limits: Limits;
  schemaOnly?: boolean;
}

export interface LintReport {
  ok: boolean;
  problems: LintProblem[];
}

export function lintText({ text, validate, limits, schemaOnly }: LintInput): LintReport {
  const parsed = parseYaml(text);
  const problems: LintProblem[] = [];
  for (const e of parsed.doc.errors) {
    const { line, col } = parsed.lines.linePos(e.pos[0]);
    problems.push({ line, col, message: `YAML: ${e.message.split('\n')[0]}`, severity: 'error', kind: 'yaml' });
  }
  if (problems.length) return { ok: false, problems };
  for (const w of parsed.warnings) problems.push({ ...parsed.lines.linePos(w.offset), message: w.message, severity: 'warning', kind: 'yaml' });
  for (const e of schemaErrors(validate, parsed.value ?? null)) {
    problems.push({ ...positionOf(parsed, pointerToPath(e.pointer)), message: e.message, severity: 'error', kind: 'schema' });
  }
  if (!schemaOnly) {
    for (const p of semanticProblems({ config: parsed.value, bytes: Buffer.byteLength(text), limits })) {
      problems.push({ ...positionOf(parsed, p.path), message: p.message, severity: p.severity, kind: 'semantic' });
    }
  }
  problems.sort((a, b) => a.line - b.line || a.col - b.col);
  return { ok: !problems.some((p) => p.severity === 'error'), problems };
}

/** Lint an already-built pipeline object (dap generate's self-check; no text positions needed). */
export function lintObject(config: unknown, bytes: number, validate: SchemaValidator, limits: Limits): string[] {
  const msgs = schemaErrors(validate, config).map((e) => e.message);
  for (const p of semanticProblems({ config, bytes, limits })) if (p.severity === 'error') msgs.push(p.message);
  return msgs;
}
