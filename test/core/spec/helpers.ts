import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { Problem } from '../../../src/errors.js';
import { validateSpecSources } from '../../../src/core/spec/validate.js';
import type { ValidateSpecsOptions } from '../../../src/core/spec/validate.js';

import { repoRoot } from '../../support/repo.js';

export { repoRoot };
export const schema = JSON.parse(readFileSync(path.join(repoRoot, 'schemas/experiment.schema.json'), 'utf8')) as object;

/** Validate in-memory spec files (name → YAML text) with the real schema. */
export function check(files: Record<string, string>, opts: Partial<ValidateSpecsOptions> = {}) {
  const sources = Object.entries(files).map(([file, source]) => ({ file, source }));
  return validateSpecSources(sources, { schema, environments: ['python', 'base'], ...opts });
}

/** Problems as `file:line:col: message` lines. */
export function lines(problems: Problem[]): string[] {
  return problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`);
}

/** Exactly one problem at file:line:col whose message contains `text`. */
export function expectProblem(problems: Problem[], at: string, text: string | RegExp): Problem {
  const found = problems.filter((p) => `${p.file}:${p.line}:${p.col}` === at);
  expect(found, `problems were:\n${lines(problems).join('\n')}`).toHaveLength(1);
  const p = found[0]!;
  if (typeof text === 'string') expect(p.message).toContain(text);
  else expect(p.message).toMatch(text);
  return p;
}

/** A minimal valid spec, with extra YAML lines appended. */
export function spec(name: string, extra = ''): string {
  return `name: ${name}\nenvironment: python\ncommand: ["python3", "train.py"]\n${extra}`;
}
