import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProblemsError, UsageError } from '../../src/errors.js';
import { listEnvironments, loadSpecs } from '../../src/ops/load-specs.js';
import { planExperiments } from '../../src/core/plan/index.js';
import { writeFiles } from '../support/temp-repo.js';
import { repoRoot } from '../core/spec/helpers.js';

const dirs: string[] = [];
async function project(files: Record<string, string>): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dap-spec-'));
  dirs.push(root);
  await writeFiles(root, files);
  return root;
}
afterAll(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

const good = (name: string, env = 'py') => `name: ${name}\nenvironment: ${env}\ncommand: [python3, t.py, "{{ params.lr }}"]\nsweep:\n  grid: {lr: [1, 2]}\n`;

describe('loadSpecs', () => {
  it('reads experiments/*.yaml and *.yml in name order, ignoring other files', async () => {
    const root = await project({
      'environments/py/Dockerfile': 'FROM scratch\n',
      'experiments/b.yml': good('bee'),
      'experiments/a.yaml': good('ay'),
      'experiments/notes.txt': 'not a spec',
    });
    const specs = await loadSpecs(root);
    expect(specs.map((s) => [s.file, s.spec.name])).toEqual([['experiments/a.yaml', 'ay'], ['experiments/b.yml', 'bee']]);
    expect(planExperiments(specs).experiments.map((e) => e.runs.length)).toEqual([2, 2]);
  });

  it('loads only the files given, shown relative to the root', async () => {
    const root = await project({ 'environments/py/environment.yaml': 'base: x\n', 'experiments/a.yaml': good('ay'), 'experiments/b.yaml': 'broken: [' });
    const specs = await loadSpecs(root, [path.join(root, 'experiments/a.yaml')]);
    expect(specs.map((s) => s.file)).toEqual(['experiments/a.yaml']);
  });

  it('knows environments as directories holding environment.yaml or a Dockerfile', async () => {
    const root = await project({
      'environments/one/environment.yaml': 'x: 1\n',
      'environments/two/Dockerfile': 'FROM x\n',
      'environments/empty/README': 'nothing here\n',
      'environments/file.yaml': 'x: 1\n',
    });
    expect(await listEnvironments(path.join(root, 'environments'))).toEqual(['one', 'two']);
    expect(await listEnvironments(path.join(root, 'missing'))).toEqual([]);
  });

  it('throws ProblemsError with every problem of every file, positioned', async () => {
    const root = await project({
      'environments/py/Dockerfile': 'FROM x\n',
      'environments/empty/README': 'x\n',
      'experiments/a.yaml': good('same'),
      'experiments/b.yaml': good('same', 'empty'),
      'experiments/c.yaml': 'name: c\nimage: x\ncommand: [x]\nsweep:\n  grid: {lr: []}\n',
    });
    const err = await loadSpecs(root).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProblemsError);
    const problems = (err as ProblemsError).problems.map((p) => `${p.file}:${p.line}:${p.col}`);
    expect(problems).toEqual(['experiments/b.yaml:1:7', 'experiments/b.yaml:2:14', 'experiments/c.yaml:5:14']);
    expect((err as ProblemsError).message).toBe('3 problems in 2 files');
    expect((err as ProblemsError).problems[0]!.message).toContain('first defined at experiments/a.yaml:1:7');
  });

  it('applies a custom run limit', async () => {
    const root = await project({ 'environments/py/Dockerfile': 'FROM x\n', 'experiments/a.yaml': good('a') });
    const err = await loadSpecs(root, undefined, { maxRunsPerExperiment: 1 }).catch((e: unknown) => e);
    expect((err as ProblemsError).problems[0]!.message).toContain('grid expands to 2 runs, more than the limit of 1');
  });

  it('says what to do without an experiments/ directory', async () => {
    const root = await project({ 'README.md': 'x\n' });
    await expect(loadSpecs(root)).rejects.toBeInstanceOf(UsageError);
  });

  it('accepts the shipped example once an environment named python exists', async () => {
    const source = await fs.readFile(path.join(repoRoot, 'experiments/toy-regression.yaml'), 'utf8');
    const root = await project({ 'environments/python/environment.yaml': 'x: 1\n', 'experiments/toy-regression.yaml': source });
    const specs = await loadSpecs(root, undefined, { environments: ['python'] });
    const runs = planExperiments(specs).experiments[0]!.runs;
    expect(runs.length).toBeGreaterThanOrEqual(4);
    expect(runs.length).toBeLessThanOrEqual(8);
    expect(specs[0]!.spec.metrics).toMatchObject({ primary: 'val_loss', goal: 'minimize' });
  });
});
