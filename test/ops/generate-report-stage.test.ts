// `dap generate --report`: an opt-in report stage after the runs, which dap_check reproduces and
// `dap submit` keeps when it regenerates.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generateArgsOf, shellWords } from '../../src/core/pipeline/check-args.js';
import { generateOp, regenerateAsCommitted } from '../../src/ops/generate.js';
import { lintOp } from '../../src/ops/lint.js';
import { tempRepo } from '../support/temp-repo.js';

const project = () => tempRepo({
  'environments/python/environment.yaml': 'python: "3.11"\n',
  'experiments/alpha.yaml': 'name: alpha\nenvironment: python\ncommand: ["python3", "a.py", "--lr={{ params.lr }}"]\nsweep:\n  grid:\n    lr: [0.1, 0.2]\n',
});

describe('the report stage', () => {
  it('parent mode: dap_report runs after dap_run whatever its outcome, keeps report/ as artifacts, and lints', async () => {
    const root = await project();
    await generateOp({ root, report: true });
    const file = path.join(root, '.gitlab-ci.yml');
    const doc = parse(readFileSync(file, 'utf8')) as Record<string, any>;
    expect(doc.stages).toEqual(['generate', 'run', 'report']);
    expect(doc.dap_report).toMatchObject({
      stage: 'report', when: 'always', needs: [{ job: 'dap_run', artifacts: false }], script: ['dap report --out .dap/report'],
      allow_failure: { exit_codes: [3] }, artifacts: { paths: ['.dap/report/'], when: 'always' },
    });
    expect(doc.dap_check.script).toEqual(['dap generate --check --report']);
    const lint = await lintOp({ file });
    expect(lint.problems).toEqual([]);
    expect(lint.ok).toBe(true);
    // without --report nothing changes
    await generateOp({ root });
    const plain = parse(readFileSync(file, 'utf8')) as Record<string, any>;
    expect(plain.dap_report).toBeUndefined();
    expect(plain.stages).toEqual(['generate', 'run']);
  });

  it('static mode: the report stage waits by stage order', async () => {
    const root = await project();
    await generateOp({ root, mode: 'static', report: true });
    const doc = parse(readFileSync(path.join(root, '.gitlab-ci.yml'), 'utf8')) as Record<string, any>;
    expect(doc.stages.at(-1)).toBe('report');
    expect(doc.dap_report.needs).toBeUndefined();
    expect(doc.dap_check.script).toEqual(['dap generate --check --static --report']);
  });

  it('regenerating as committed keeps the report stage and the mode (what dap submit and dap run --local do)', async () => {
    const root = await project();
    await generateOp({ root, mode: 'static', report: true, limits: { hierarchyJobs: 2000 } });
    const before = readFileSync(path.join(root, '.gitlab-ci.yml'), 'utf8');
    const again = await regenerateAsCommitted(root);
    expect(again.files.map((f) => f.status)).toEqual(['unchanged']);
    expect(again.mode).toBe('static');
    expect(readFileSync(path.join(root, '.gitlab-ci.yml'), 'utf8')).toBe(before);
  });

  it("dap_check's words give back the arguments the pipeline was generated with", () => {
    expect(shellWords("dap generate --check --static --out 'my dir/ci.yml' --report 'it'\\''s.yaml'")).toEqual(['dap', 'generate', '--check', '--static', '--out', 'my dir/ci.yml', '--report', "it's.yaml"]);
    expect(generateArgsOf({ dap_check: { script: ["dap generate --check --static --report --no-tracking --max-jobs 2000 experiments/a.yaml"] } })).toEqual({
      static: true, report: true, tracking: false, limits: { hierarchyJobs: 2000 }, files: ['experiments/a.yaml'],
    });
    expect(generateArgsOf({ build: { script: ['make'] } })).toBeUndefined();
  });
});
