// dap lint against GitLab's own schema fixture corpus ($DAP_GITLAB_FIXTURES, default
// ../shared/gitlab-ci: optional, see test/support/gitlab-fixtures.ts), used the way
// GitLab's ci_schema_spec.js uses it: per top-level key, except the workflow/auto_cancel files,
// whose top-level values are whole pipelines.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { lintText } from '../../../src/core/lint/index.js';
import { createRequire } from 'node:module';
import { compileGitlabSchema, compileGitlabSchemaWithSource, type SchemaValidator } from '../../../src/core/lint/schema.js';
import { loadStandalone } from '../../../src/ops/schema-cache.js';
import { defaultLimits } from '../../../src/core/pipeline/types.js';
import { gitlabFixtures, walk } from '../../support/gitlab-fixtures.js';
import { repoRoot } from '../../support/repo.js';

const fixtures = gitlabFixtures();
const schema = JSON.parse(readFileSync(path.join(repoRoot, 'schemas/gitlab-ci.schema.json'), 'utf8')) as object;
// the validator compiled in-process, and the standalone module dap caches between processes
const validators: Array<[string, SchemaValidator]> = [
  ['compiled', compileGitlabSchema(schema)],
  ['cached standalone', loadStandalone(compileGitlabSchemaWithSource(schema).source, createRequire(import.meta.url))],
];


const WHOLE_DOCUMENT = new Set(['workflow/auto_cancel/on_job_failure.yml', 'workflow/auto_cancel/on_new_commit.yml']);

/** the separate cases of one fixture file, each as pipeline YAML text */
function cases(file: string, rel: string): Array<[string, string]> {
  const doc = YAML.parse(readFileSync(file, 'utf8'), { version: '1.1', merge: true }) as Record<string, unknown>;
  return Object.entries(doc).map(([k, v]) => [k, WHOLE_DOCUMENT.has(rel) ? YAML.stringify(v, { version: '1.1' }) : YAML.stringify({ [k]: v }, { version: '1.1' })]);
}

for (const [label, validate] of validators) {
const lint = (text: string) => lintText({ text, validate, limits: defaultLimits, schemaOnly: true });

if (!fixtures.dir) {
  describe(`GitLab CI schema fixture corpus (${label} validator)`, () => {
    it.skip(`skipped: ${fixtures.skipReason}`, () => {});
  });
  continue;
}
const corpus = fixtures.dir;

describe(`GitLab CI schema fixture corpus (${label} validator)`, () => {
  it('finds the whole corpus', () => {
    expect(walk(path.join(corpus, 'positive_tests')).length).toBe(34);
    expect(walk(path.join(corpus, 'negative_tests')).length).toBe(74);
  });

  for (const kind of ['positive_tests', 'negative_tests'] as const) {
    const files = walk(path.join(corpus, kind));
    for (const file of files) {
      const rel = path.relative(path.join(corpus, kind), file);
      it(`${kind === 'positive_tests' ? 'accepts' : 'rejects'} every case of ${kind}/${rel}`, () => {
        const results = cases(file, rel).map(([name, text]) => ({ name, report: lint(text) }));
        expect(results.length).toBeGreaterThan(0);
        for (const { name, report } of results) {
          expect.soft(report.ok, `${rel} :: ${name}: ${report.problems.map((p) => p.message).join('; ')}`).toBe(kind === 'positive_tests');
        }
        if (!WHOLE_DOCUMENT.has(rel)) {
          // the file as written, as `dap lint --schema-only FILE` reads it, gets the same verdict
          expect(lint(readFileSync(file, 'utf8')).ok).toBe(kind === 'positive_tests');
        }
      });
    }
  }
});
}
