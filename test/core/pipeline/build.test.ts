// The pipeline model: modes, limits and splitting, lanes, determinism, and that every output lints clean.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import jsyaml from 'js-yaml';
import YAML from 'yaml';
import { DapError } from '../../../src/errors.js';
import { lintText } from '../../../src/core/lint/index.js';
import { compileGitlabSchema } from '../../../src/core/lint/schema.js';
import { defaultLimits, type Limits } from '../../../src/core/pipeline/types.js';
import { build, experiment, grid } from '../../support/pipeline.js';
import { repoRoot } from '../../support/repo.js';

const validate = compileGitlabSchema(JSON.parse(readFileSync(path.join(repoRoot, 'schemas/gitlab-ci.schema.json'), 'utf8')));
const lintOk = (text: string, limits: Limits = defaultLimits) => {
  const r = lintText({ text, validate, limits });
  expect(r.problems.filter((p) => p.severity === 'error').map((p) => `${p.line}:${p.col} ${p.message}`)).toEqual([]);
};
const parse = (text: string) => YAML.parse(text, { version: '1.1' }) as Record<string, any>;
const jobNames = (text: string) => Object.keys(parse(text)).filter((k) => !['workflow', 'variables', 'stages'].includes(k));

const foreign = experiment({ name: 'foreign', image: 'python:3.12', command: 'python train.py' }, grid(3));
const envExp = experiment({ name: 'env-exp', environment: 'python', resources: { tags: ['gpu-box'], gpus: 2, timeout: '2h' } }, grid(4));

describe('pipeline modes', () => {
  it('child: parent_pipeline workflow rule, experiment jobs with matrix, dap_sync for foreign images', () => {
    const { files } = build([envExp, foreign]);
    expect(files).toHaveLength(1);
    const doc = parse(files[0]!.text);
    expect(doc.workflow.rules).toEqual([{ if: '$CI_PIPELINE_SOURCE == "parent_pipeline"' }]);
    expect(doc.stages).toEqual(['run', 'sync']);
    const job = doc['env-exp'];
    expect(job.tags).toEqual(['gpu-box']);
    expect(job.timeout).toBe('2h');
    expect(job.interruptible).toBe(true);
    expect(job.retry.when).not.toContain('script_failure');
    expect(job.artifacts).toMatchObject({ expire_in: '30 days', when: 'always' });
    expect(job.variables.DAP_GPUS).toBe('2');
    expect(job.image).toBe('${CI_REGISTRY_IMAGE}/env-python:latest');
    expect(job.parallel.matrix[0].DAP_RUN).toHaveLength(4);
    expect(job.script[1]).toMatch(/^dap track -- 'python3' 'train.py'$/);
    expect(doc.foreign.script[1]).toContain(`sh -c 'python train.py' || dap_status=$?`);
    expect(doc.foreign.image).toBe('python:3.12');
    expect(doc['dap_sync']).toMatchObject({ stage: 'sync', when: 'always', needs: [{ job: 'foreign', artifacts: true }], script: ['dap sync --from-artifacts .dap'] });
    lintOk(files[0]!.text);
  });

  it('uses the pinned digest ref from images.lock.json', () => {
    const ref = 'reg.example/proj/env-python@sha256:' + 'a'.repeat(64);
    const { files, warnings } = build([envExp], { images: { python: { image: 'x', digest: 'sha256:a', ref } } });
    expect(parse(files[0]!.text)['env-exp'].image).toBe(ref);
    expect(warnings).toEqual([]);
    expect(build([envExp]).warnings[0]).toMatch(/no entry in environments\/images.lock.json/);
  });

  it('parent: check in .pre, generate with child artifact, trigger with strategy depend', () => {
    const { files } = build([envExp, foreign], { mode: 'parent', out: '.gitlab-ci.yml', checkArgs: ['--out', 'ci.yml'], childArgs: ['experiments/a.yaml'] });
    const doc = parse(files[0]!.text);
    expect(doc['dap_check']).toMatchObject({ stage: '.pre', image: '$DAP_IMAGE', script: ['dap generate --check --out ci.yml'] });
    expect(doc['dap_generate'].script).toEqual(['dap generate --child --out .dap/child.yml experiments/a.yaml', 'dap lint .dap/child.yml']);
    expect(doc['dap_generate'].artifacts.paths).toEqual(['.dap/child.yml']);
    expect(doc['dap_run']).toEqual({ stage: 'run', needs: ['dap_generate'], trigger: { include: [{ artifact: '.dap/child.yml', job: 'dap_generate' }], strategy: 'depend' } });
    expect(doc.variables.DAP_IMAGE).toBe('${CI_REGISTRY_IMAGE}/dap:0.0.0-test');
    expect(doc.workflow.rules[1]).toEqual({ if: '$CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS', when: 'never' });
    lintOk(files[0]!.text);
  });

  it('static: one file with check, jobs and sync; branch + MR workflow rules', () => {
    const { files } = build([envExp, foreign], { mode: 'static', out: '.gitlab-ci.yml' });
    expect(jobNames(files[0]!.text)).toEqual(['dap_check', 'env-exp', 'foreign', 'dap_sync']);
    lintOk(files[0]!.text);
  });

  it('tracking off: commands bare, no dap_sync', () => {
    const { files } = build([envExp, foreign], { tracking: false });
    const doc = parse(files[0]!.text);
    expect(doc['dap_sync']).toBeUndefined();
    expect(doc['env-exp'].script[1]).toBe("'python3' 'train.py'");
  });

  it('an empty selection still gives a valid pipeline', () => {
    for (const mode of ['child', 'static', 'parent'] as const) lintOk(build([], { mode }).files[0]!.text);
  });

  it('an experiment named like a GitLab keyword gets a prefixed job name', () => {
    const { files } = build([experiment({ name: 'pages' }, grid(1)), experiment({ name: 'variables' }, grid(1))]);
    expect(jobNames(files[0]!.text)).toEqual(['experiment:pages', 'experiment:variables']);
    lintOk(files[0]!.text);
  });
});

describe('max_parallel lanes', () => {
  it('deals runs round-robin into resource-group lanes', () => {
    const exp = experiment({ name: 'lanes' }, grid(7), 3);
    const doc = parse(build([exp]).files[0]!.text);
    const lanes = ['lanes lane 1/3', 'lanes lane 2/3', 'lanes lane 3/3'].map((n) => doc[n]);
    // scoped to the pipeline: a second pipeline of the experiment (another branch, a re-push) gets its own lanes
    expect(lanes.map((j) => j.resource_group)).toEqual(['dap-lanes-1-$CI_PIPELINE_ID', 'dap-lanes-2-$CI_PIPELINE_ID', 'dap-lanes-3-$CI_PIPELINE_ID']);
    expect(lanes.map((j) => j.parallel.matrix[0].DAP_RUN.map((id: string) => Number(id.split('-')[0]!.slice(1))))).toEqual([[0, 3, 6], [1, 4], [2, 5]]);
  });
  it('max_parallel 1 is one sequential lane', () => {
    const doc = parse(build([experiment({ name: 'one' }, grid(3), 1)]).files[0]!.text);
    expect(doc.one.resource_group).toBe('dap-one-1-$CI_PIPELINE_ID');
    expect(doc.one.parallel.matrix[0].DAP_RUN).toHaveLength(3);
  });
  it('max_parallel_scope: project shares the lanes across every pipeline of the project', () => {
    const exp = experiment({ name: 'gpu', sweep: { grid: { i: [0, 1, 2] }, max_parallel: 2, max_parallel_scope: 'project' } }, grid(3), 2);
    const { files } = build([exp]);
    const doc = parse(files[0]!.text);
    expect([doc['gpu lane 1/2'].resource_group, doc['gpu lane 2/2'].resource_group]).toEqual(['dap-gpu-1', 'dap-gpu-2']);
    lintOk(files[0]!.text);
  });
  it('no lanes when max_parallel covers every run', () => {
    expect(jobNames(build([experiment({ name: 'wide' }, grid(3), 5)]).files[0]!.text)).toEqual(['wide']);
  });
});

describe('GitLab limits', () => {
  it('splits a sweep over 200 runs into several matrix jobs', () => {
    const { files, totalJobs } = build([experiment({ name: 'big' }, grid(450))]);
    const doc = parse(files[0]!.text);
    expect(jobNames(files[0]!.text)).toEqual(['big 1/3', 'big 2/3', 'big 3/3']);
    expect(['big 1/3', 'big 2/3', 'big 3/3'].map((n) => doc[n].parallel.matrix[0].DAP_RUN.length)).toEqual([200, 200, 50]);
    expect(totalJobs).toBe(450 + 3); // + the parent's check, generate, trigger
    lintOk(files[0]!.text);
  });

  it('splits lanes that are too big into parts', () => {
    const { files } = build([experiment({ name: 'big' }, grid(500), 2)]);
    expect(jobNames(files[0]!.text)).toEqual(['big lane 1/2 part 1/2', 'big lane 1/2 part 2/2', 'big lane 2/2 part 1/2', 'big lane 2/2 part 2/2']);
  });

  it('fails before writing anything when the hierarchy would exceed 1000 jobs, naming the numbers and the option', () => {
    const err = (() => { try { build([experiment({ name: 'a' }, grid(600)), experiment({ name: 'b' }, grid(600))]); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(DapError);
    expect((err as DapError).message).toMatch(/1203 jobs, over GitLab's limit of 1000/);
    expect((err as DapError).hint).toMatch(/--max-jobs/);
    expect((err as DapError).exitCode).toBe(1);
  });

  it('splits children that are over the YAML size limit, one trigger + artifact each', () => {
    const limits = { ...defaultLimits, childYamlBytes: 60_000 };
    const exps = ['a', 'b', 'c', 'd'].map((n) => experiment({ name: n, params: { pad: 'x'.repeat(100) } }, grid(100)));
    const children = build(exps, { limits });
    expect(children.files.length).toBeGreaterThan(1);
    expect(children.files.map((f) => f.path)).toEqual(children.files.map((_, i) => `.dap/child-${i + 1}.yml`));
    const seen = children.files.flatMap((f) => jobNames(f.text));
    expect(seen.sort()).toEqual(['a', 'b', 'c', 'd']);
    for (const f of children.files) {
      expect(Buffer.byteLength(f.text)).toBeLessThanOrEqual(60_000);
      lintOk(f.text, limits);
    }
    const parent = parse(build(exps, { limits, mode: 'parent', out: '.gitlab-ci.yml' }).files[0]!.text);
    const triggers = Object.keys(parent).filter((k) => k.startsWith('dap_run'));
    expect(triggers).toHaveLength(children.files.length);
    expect(parent['dap_generate'].artifacts.paths).toEqual(children.files.map((f) => f.path));
    expect(parent['dap_run_2'].trigger.include[0].artifact).toBe('.dap/child-2.yml');
  });

  it('fails when one job alone is over the size limit', () => {
    expect(() => build([experiment({ name: 'a', params: { pad: 'x'.repeat(5000) } }, grid(50))], { limits: { ...defaultLimits, childYamlBytes: 100_000 } }))
      .toThrow(/alone is \d+ bytes of YAML/);
  });

  it('a static pipeline over the size limit fails (it cannot split)', () => {
    expect(() => build([experiment({ name: 'a', params: { pad: 'x'.repeat(1000) } }, grid(100))], { mode: 'static', limits: { ...defaultLimits, childYamlBytes: 50_000 } }))
      .toThrow(/static pipeline would be \d+ bytes/);
  });
});

describe('determinism', () => {
  it('the same plan gives the same bytes, whatever the params key order', () => {
    const a = build([experiment({ name: 'd', environment: 'python' }, [{ x: 1, y: 'a' }, { y: 'b', x: 2 }])]).files[0]!.text;
    const b = build([experiment({ name: 'd', environment: 'python' }, [{ x: 1, y: 'a' }, { x: 2, y: 'b' }])]).files[0]!.text;
    expect(a).toBe(b);
  });
  it('the header names dap, the spec files with short hashes, and says do not edit', () => {
    const text = build([envExp, foreign]).files[0]!.text;
    expect(text.startsWith('# Generated by dap 0.0.0-test')).toBe(true);
    expect(text).toContain(`experiments/env-exp.yaml (sha256 ${envExp.specHash.slice(0, 12)})`);
    expect(text).toMatch(/Do not edit/);
  });
  it('quotes strings YAML 1.1 or 1.2 would misread', () => {
    const exp = experiment({ name: 'q', image: 'alpine', command: 'echo "{\\"acc\\": 0.9}"', artifacts: { paths: ['yes', 'on', '0755', '1:20', 'a: b'] } }, grid(1));
    const text = build([exp], { tracking: false }).files[0]!.text;
    for (const version of ['1.1', '1.2'] as const) {
      const doc = YAML.parse(text, { version }) as Record<string, any>;
      expect(doc.q.artifacts.paths.slice(0, 5)).toEqual(['yes', 'on', '0755', '1:20', 'a: b']);
      expect(doc.q.script[1]).toBe('echo "{\\"acc\\": 0.9}"');
    }
  });
  it('the YAML parses back to exactly the object dap generate linted (GitLab YAML 1.1, js-yaml, YAML 1.2)', () => {
    const nasty = ['yes', 'No', 'on', '0o17', '0x1F', '1_000', '12:30', '~', 'null', '- x', 'a: b', 'a #b', '"q"', "'s'", 'é', '', ' x ', 'tab\tx', 'cr\rx', 'multi\nline\n', 'trail\n\n', '$(x) `y`'];
    const exp = experiment({ name: 'rt', image: 'alpine', command: ['echo', '{{ params.v }}'], artifacts: { paths: nasty } }, nasty.map((v) => ({ v })));
    for (const mode of ['child', 'static', 'parent'] as const) {
      for (const f of build([exp, envExp], { mode, out: 'x.yml' }).files) {
        const json = JSON.parse(JSON.stringify(f.config));
        expect(YAML.parse(f.text, { version: '1.1' })).toEqual(json);
        expect(YAML.parse(f.text)).toEqual(json);
        expect(jsyaml.load(f.text)).toEqual(json);
      }
    }
  });
});
