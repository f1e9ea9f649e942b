// dap lint's meaning checks, with positions, through the core and the real CLI.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lintText } from '../../../src/core/lint/index.js';
import { compileGitlabSchema } from '../../../src/core/lint/schema.js';
import { defaultLimits } from '../../../src/core/pipeline/types.js';
import { gitlabFixtures } from '../../support/gitlab-fixtures.js';
import { repoRoot } from '../../support/repo.js';

const validate = compileGitlabSchema(JSON.parse(readFileSync(path.join(repoRoot, 'schemas/gitlab-ci.schema.json'), 'utf8')));
const lint = (text: string, limits = defaultLimits) => lintText({ text, validate, limits });
const errors = (text: string, limits = defaultLimits) => lint(text, limits).problems.filter((p) => p.severity === 'error');

describe('semantic lint', () => {
  it('accepts needs on existing jobs, matrix needs, optional needs, .pre/.post and default stages', () => {
    const text = `
setup:
  stage: .pre
  script: [echo]
build:
  stage: build
  parallel:
    matrix:
      - OS: [linux, mac]
        ARCH: amd64
  script: [echo]
test:
  needs:
    - setup
    - job: build
      parallel:
        matrix:
          - OS: linux
            ARCH: amd64
    - job: maybe
      optional: true
  script: [echo]
done:
  stage: .post
  script: [echo]
`;
    expect(lint(text).problems).toEqual([]);
  });

  it('reports needs on a missing job at its line and column', () => {
    const text = 'a:\n  script: [echo]\nb:\n  needs:\n    - a\n    - nope\n  script: [echo]\n';
    const [e, ...rest] = errors(text);
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ line: 6, col: 7, kind: 'semantic' });
    expect(e!.message).toMatch(/needs "nope", which is not a job/);
  });

  it('reports stages that are not declared', () => {
    expect(errors('stages: [one]\na:\n  stage: two\n  script: [echo]\n')[0]).toMatchObject({ line: 3, message: expect.stringMatching(/stage "two" is not in stages/) });
    // no stages: GitLab's defaults build/test/deploy
    expect(errors('a:\n  stage: deploy\n  script: [echo]\n')).toEqual([]);
  });

  it('reports needs cycles and needs on later stages', () => {
    const cyc = 'a:\n  needs: [b]\n  script: [echo]\nb:\n  needs: [a]\n  script: [echo]\n';
    expect(errors(cyc).map((e) => e.message)).toContainEqual(expect.stringMatching(/cycle: a -> b -> a/));
    const later = 'stages: [one, two]\na:\n  stage: one\n  needs: [b]\n  script: [echo]\nb:\n  stage: two\n  script: [echo]\n';
    expect(errors(later)[0]!.message).toMatch(/from the later stage two/);
  });

  it('reports matrix needs that match no instance', () => {
    const text = 'a:\n  parallel:\n    matrix:\n      - X: [1, 2]\n  script: [echo]\nb:\n  needs:\n    - job: a\n      parallel:\n        matrix:\n          - X: "3"\n  script: [echo]\n';
    expect(errors(text)[0]!.message).toMatch(/X=3, which its matrix does not have/);
  });

  it('enforces the matrix, job-count and size limits', () => {
    const vals = Array.from({ length: 201 }, (_, i) => `v${i}`);
    const big = `a:\n  parallel:\n    matrix:\n      - X: [${vals.join(', ')}]\n  script: [echo]\n`;
    // the schema caps matrix arrays too; the semantic rule counts the product across variables
    const product = `a:\n  parallel:\n    matrix:\n      - X: [${vals.slice(0, 20).join(', ')}]\n        Y: [${vals.slice(0, 11).join(', ')}]\n  script: [echo]\n`;
    expect(errors(product).map((e) => e.message)).toContainEqual(expect.stringMatching(/expands to 220 jobs, over the limit of 200/));
    expect(errors(big).length).toBeGreaterThan(0);
    const many = Array.from({ length: 6 }, (_, i) => `j${i}:\n  script: [echo]\n`).join('');
    expect(errors(many, { ...defaultLimits, hierarchyJobs: 5 })[0]!.message).toMatch(/6 jobs, over the limit of 5/);
    expect(errors(many, { ...defaultLimits, childYamlBytes: 20 })[0]!.message).toMatch(/over the 20-byte limit/);
  });

  it('a pipeline of only .pre jobs is rejected; included jobs turn unknowns into warnings', () => {
    expect(errors('a:\n  stage: .pre\n  script: [echo]\n')[0]!.message).toMatch(/stage other than .pre/);
    const r = lint('include: other.yml\na:\n  needs: [from-include]\n  script: [echo]\n');
    expect(r.ok).toBe(true);
    expect(r.problems[0]).toMatchObject({ severity: 'warning' });
  });

  it('reads a spec: header document before the pipeline document', () => {
    const text = 'spec:\n  inputs:\n    env:\n      default: x\n---\na:\n  needs: [nope]\n  script: [echo]\n';
    expect(errors(text)[0]).toMatchObject({ line: 7, message: expect.stringMatching(/needs "nope"/) });
    expect(errors('a:\n  script: [echo]\n---\nb:\n  script: [echo]\n')[0]).toMatchObject({ kind: 'yaml', message: expect.stringMatching(/spec: header/) });
  });

  it('reports YAML syntax and schema errors with positions', () => {
    expect(errors('a:\n  script: [echo\n')[0]).toMatchObject({ kind: 'yaml', line: 3 });
    expect(errors('a:\n  script: [echo]\nb:\n  script: [one]\n  script: [two]\n')).toEqual([]);
    expect(lint('a:\n  script: [echo]\nb:\n  script: [one]\n  script: [two]\n').problems[0]).toMatchObject({ severity: 'warning', line: 5, message: expect.stringMatching(/duplicate key/) });
    const e = errors('a:\n  script: [echo]\n  retry:\n    max: 2\n    when: [sometimes]\n');
    expect(e[0]).toMatchObject({ kind: 'schema', line: 5 });
    // a misspelt key is shown where it is typed, not at the job that holds it
    expect(errors('a:\n  script: [echo]\nb:\n  scrpit: [x]\n').find((p) => /unknown key "scrpit"/.test(p.message))).toMatchObject({ kind: 'schema', line: 4, col: 3 });
  });
});

describe('dap lint CLI', () => {
  const bin = path.join(repoRoot, 'dist/cli/bin.js');
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'dap-lint-'));
  });
  const run = (args: string[], env: NodeJS.ProcessEnv = process.env) => {
    try {
      return { code: 0, stdout: execFileSync('node', [bin, ...args], { encoding: 'utf8', stdio: 'pipe', env }), stderr: '' };
    } catch (e) {
      const err = e as { status: number; stdout: string; stderr: string };
      return { code: err.status, stdout: String(err.stdout), stderr: String(err.stderr) };
    }
  };

  it('exits 0 on a good file, 1 with file:line:col and a code frame on a bad one, JSON with --json', () => {
    writeFileSync(path.join(dir, 'good.yml'), 'a:\n  script: [echo]\n');
    writeFileSync(path.join(dir, 'bad.yml'), 'a:\n  script: [echo]\nb:\n  needs: [zzz]\n  script: [echo]\n');
    expect(run(['lint', path.join(dir, 'good.yml')]).code).toBe(0);
    const bad = run(['lint', path.join(dir, 'bad.yml')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${path.join(dir, 'bad.yml')}:4:11: error: job b needs "zzz"`);
    expect(bad.stderr).toMatch(/> 4 \|/);
    const json = run(['lint', '--json', path.join(dir, 'bad.yml')]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, problems: [{ line: 4, col: 11, kind: 'semantic' }] });
    // --schema-only ignores meaning (the fixture corpus relies on that)
    expect(run(['lint', '--schema-only', path.join(dir, 'bad.yml')]).code).toBe(0);
  });

  it('caches the compiled schema between processes and survives a damaged cache', () => {
    const cache = mkdtempSync(path.join(tmpdir(), 'dap-cache-'));
    const env = { ...process.env, DAP_CACHE: cache };
    writeFileSync(path.join(dir, 'bad2.yml'), 'a:\n  script: [echo]\n  retry: -1\n');
    expect(run(['lint', path.join(dir, 'bad2.yml')], env).code).toBe(1);
    const files = readdirSync(path.join(cache, 'gitlab-ci-schema'));
    expect(files).toHaveLength(1);
    expect(run(['lint', path.join(dir, 'bad2.yml')], env).code).toBe(1); // from the cache
    writeFileSync(path.join(cache, 'gitlab-ci-schema', files[0]!), 'module.exports = 42; syntax error here (');
    const again = run(['lint', path.join(dir, 'bad2.yml')], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/retry: must be >= 0/);
    expect(readFileSync(path.join(cache, 'gitlab-ci-schema', files[0]!), 'utf8')).toMatch(/^"use strict"/);
  });

  it('accepts the hand-written pipeline templates in pipelines/', () => {
    const r = run(['lint', path.join(repoRoot, 'pipelines/dap-image.gitlab-ci.yml')]);
    expect(r.code, r.stderr).toBe(0);
  });

  const fixtures = gitlabFixtures();
  it.skipIf(!fixtures.dir)(`accepts and rejects GitLab fixture files given as whole files${fixtures.dir ? '' : ` (skipped: ${fixtures.skipReason})`}`, () => {
    const corpus = fixtures.dir!;
    expect(run(['lint', '--schema-only', path.join(corpus, 'positive_tests/retry.yml')]).code).toBe(0);
    expect(run(['lint', '--schema-only', path.join(corpus, 'negative_tests/retry.yml')]).code).toBe(1);
  });
});
