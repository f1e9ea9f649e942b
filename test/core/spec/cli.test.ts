// `dap validate` and `dap plan` as a user runs them: the built CLI (npx tsc -p . first) in a temp project.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFiles } from '../../support/temp-repo.js';
import { repoRoot } from './helpers.js';

const bin = path.join(repoRoot, 'dist/cli/bin.js');
const run = promisify(execFile);

async function dap(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let root: string;
const spec = (name: string, sweep: string) =>
  `# yaml-language-server: $schema=../schemas/experiment.schema.json\nname: ${name}\nenvironment: py\ncommand: [python3, train.py, --lr, "{{ params.lr }}"]\nparams: {epochs: 3}\nsweep:\n${sweep}`;

beforeAll(async () => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: build first with \`npx tsc -p .\``);
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'dap-cli-'));
  await writeFiles(root, {
    'environments/py/Dockerfile': 'FROM x\n',
    'experiments/alpha.yaml': spec('alpha', '  grid:\n    lr: [0.1, 0.01]\n    bs: [8, 16]\n'),
    'experiments/beta.yaml': spec('beta', '  list:\n    - {lr: 0.5}\n    - {lr: 0.25, note: "a b"}\n'),
    'bad/one.yaml': 'name: alpha\nenvironment: nope\ncommand: [python3, "{{ params.x }}"]\n',
    'bad/two.yaml': 'name: two\nimage: x\ncommand: [x]\nsweep:\n  grid: {a: [1], b: []}\nextra: 1\n',
  });
});
afterAll(async () => {
  if (root) await fs.rm(root, { recursive: true, force: true });
});

describe('dap validate', () => {
  it('prints ok with the counts and exits 0', async () => {
    const r = await dap(root, 'validate');
    expect(r).toMatchObject({ code: 0, stdout: 'ok: 2 experiments, 6 runs\n' });
    const json = await dap(root, 'validate', '--json');
    expect(JSON.parse(json.stdout)).toEqual({ experiments: 2, runs: 6 });
  });

  it('prints every problem as path:line:col: message with a code frame, exits 1', async () => {
    const r = await dap(root, 'validate', 'experiments/alpha.yaml', 'bad/one.yaml', 'bad/two.yaml');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const heads = r.stderr.split('\n').filter((l) => /^[\w/.-]+:\d+:\d+: /.test(l));
    expect(heads).toEqual([
      'bad/one.yaml:1:7: duplicate experiment name "alpha" (first defined at experiments/alpha.yaml:2:7); names must be unique across experiments/',
      // the project's own environments plus the ones bundled with dap
      expect.stringMatching(/^bad\/one\.yaml:2:14: environment "nope" does not exist under environments\/ \(available: (.+, )?py(, .+)?\); create environments\/nope\/environment\.yaml or a Dockerfile there, or use image: instead$/),
      'bad/one.yaml:3:21: {{ params.x }} refers to unknown parameter "x" (the spec defines no params)',
      'bad/two.yaml:5:21: empty sweep: grid axis "b" has no values, so the grid expands to 0 runs',
      'bad/two.yaml:6:1: unknown key "extra" in the spec (allowed: name, description, environment, image, command, params, sweep, metrics, artifacts, resources, tracking, resume, inputs)',
    ]);
    expect(r.stderr).toContain('> 2 | environment: nope\n    |              ^');
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe('dap: 5 problems in 2 files');
  });

  it('exits 2 on a bad option value', async () => {
    const r = await dap(root, 'validate', '--max-runs', 'lots');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--max-runs must be a positive integer');
  });

  it('enforces --max-runs', async () => {
    const r = await dap(root, 'validate', '--max-runs', '3');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('experiments/alpha.yaml:7:3: oversized sweep: grid expands to 4 runs, more than the limit of 3 per experiment');
  });

  it('works from another directory with --root', async () => {
    const r = await dap(os.tmpdir(), 'validate', '--root', root);
    expect(r).toMatchObject({ code: 0, stdout: 'ok: 2 experiments, 6 runs\n' });
  });
});

describe('dap plan', () => {
  it('prints a table of experiment, index, key and params', async () => {
    const r = await dap(root, 'plan');
    expect(r.code).toBe(0);
    const rows = r.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^experiment\s+index\s+key\s+params$/);
    expect(rows[2]).toMatch(/^alpha\s+0\s+[0-9a-f]{16}\s+epochs=3 lr=0\.1 bs=8$/);
    expect(rows[5]).toMatch(/^alpha\s+3\s+[0-9a-f]{16}\s+epochs=3 lr=0\.01 bs=16$/);
    expect(rows[7]).toMatch(/^beta\s+1\s+[0-9a-f]{16}\s+epochs=3 lr=0\.25 note="a b"$/);
    expect(rows.at(-1)).toBe('2 experiments, 6 runs');
  });

  it('--json gives experiments with runs {index, key, params}, and keys match the table', async () => {
    const r = await dap(root, 'plan', '--json');
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as { experiments: Array<{ name: string; specFile: string; runs: Array<{ index: number; key: string; params: Record<string, unknown> }> }> };
    expect(plan.experiments.map((e) => [e.name, e.specFile, e.runs.length])).toEqual([['alpha', 'experiments/alpha.yaml', 4], ['beta', 'experiments/beta.yaml', 2]]);
    expect(plan.experiments[1]!.runs[1]).toMatchObject({ index: 1, params: { epochs: 3, lr: 0.25, note: 'a b' } });
    const table = (await dap(root, 'plan')).stdout;
    for (const e of plan.experiments) for (const run of e.runs) expect(table).toContain(run.key);
    // deterministic: a second run prints the same bytes
    expect((await dap(root, 'plan', '--json')).stdout).toBe(r.stdout);
  });

  it('exits 1 with the problems when a spec is invalid', async () => {
    const r = await dap(root, 'plan', 'bad/two.yaml', '--json');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('bad/two.yaml:5:21: empty sweep');
  });

  it('has --help', async () => {
    const r = await dap(root, 'plan', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--json');
  });
});
