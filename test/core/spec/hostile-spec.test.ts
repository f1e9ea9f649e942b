// Specs that would fail late, leak files, or bury the user in output: caught at validation with a
// position, and printed at a readable size.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exec } from '../../../src/adapters/exec/exec.js';
import { check, expectProblem, lines, repoRoot, spec } from './helpers.js';
import { tmpDir } from '../../tracking/helpers.js';

const bin = path.join(repoRoot, 'dist/cli/bin.js');

function project(files: Record<string, string>): string {
  const root = tmpDir('hostile-spec');
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  fs.mkdirSync(path.join(root, 'environments', 'python'), { recursive: true });
  fs.writeFileSync(path.join(root, 'environments', 'python', 'Dockerfile'), 'FROM scratch\n');
  return root;
}

describe('paths a spec declares stay inside the job directory', () => {
  it('absolute, "..", "~" in artifacts.paths and metrics.files are errors at their position', () => {
    const { problems } = check({
      'a.yaml': spec('a', 'metrics:\n  files: [metrics.json, /etc/passwd, "~/.aws/credentials"]\nartifacts:\n  paths:\n    - out/\n    - ../../root/.ssh/id_ed25519\n    - out/../../x\n'),
    });
    const expected = [
      ['a.yaml:5:25', 'metrics.files[1]: "/etc/passwd" is absolute'],
      ['a.yaml:5:38', 'metrics.files[2]: "~/.aws/credentials" starts with "~"'],
      ['a.yaml:9:7', 'artifacts.paths[1]: "../../root/.ssh/id_ed25519" contains ".."'],
      ['a.yaml:10:7', 'artifacts.paths[2]: "out/../../x" contains ".."'],
    ] as const;
    for (const [where, text] of expected) expectProblem(problems, where, text);
    expect(problems).toHaveLength(expected.length);
  });
});

describe('parameter values over MLflow\'s 6,000-character limit', () => {
  it('are rejected at validation, wherever they are written (params, grid, list, choice)', () => {
    const long = 'x'.repeat(6001);
    const { problems } = check({
      'a.yaml': spec('a', `params:\n  prompt: ${long}\n  ok: ${'y'.repeat(6000)}\nsweep:\n  grid:\n    lr: [0.1, ${long}]\n`),
      'b.yaml': spec('b', `sweep:\n  list:\n    - {note: ${long}}\n`),
      'c.yaml': spec('c', `sweep:\n  random:\n    samples: 1\n    seed: 1\n    space:\n      note: {choice: [short, ${long}]}\n`),
    });
    expectProblem(problems, 'a.yaml:5:11', 'parameter "prompt": the value has 6001 characters; MLflow accepts at most 6000 per parameter');
    expectProblem(problems, 'a.yaml:9:15', 'parameter "lr": the value has 6001 characters');
    expectProblem(problems, 'b.yaml:6:14', 'parameter "note": the value has 6001 characters');
    expectProblem(problems, 'c.yaml:9:30', 'parameter "note": the value has 6001 characters');
    expect(lines(problems)).toHaveLength(4);
  });
});

describe('output a user can read', () => {
  it('a 100,000-deep "[" in YAML: a short message whose code frame is cut to a readable width', async () => {
    const root = project({ 'experiments/deep.yaml': `name: deep\nenvironment: python\ncommand: [python3]\nparams:\n  x: ${'['.repeat(100_000)}\n` });
    const r = await exec(['node', bin, 'validate'], { cwd: root });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^experiments\/deep\.yaml:5:\d+: YAML syntax error/m);
    expect(r.stderr.length + r.stdout.length).toBeLessThan(4000);
    for (const line of r.stderr.split('\n')) expect(line.length).toBeLessThan(200);
  });

  it('dap plan --max-runs 100000000 on a sweep of 250,000 runs: no stack overflow, the table is summarised', async () => {
    const axis = (n: number) => `[${Array.from({ length: n }, (_, i) => i).join(', ')}]`;
    const root = project({ 'experiments/huge.yaml': spec('huge', `sweep:\n  grid:\n    a: ${axis(500)}\n    b: ${axis(500)}\n`) });
    const r = await exec(['node', bin, 'plan', '--max-runs', '100000000'], { cwd: root, timeoutMs: 300_000 });
    expect(r.stderr).not.toMatch(/Maximum call stack/);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout.trimEnd().split('\n');
    expect(out).toHaveLength(2 + 1000 + 2);
    expect(out.at(-2)).toBe('… 249,000 more row(s) (`dap plan --json` lists every run)');
    expect(out.at(-1)).toBe('1 experiment, 250000 runs');
  }, 300_000);
});
