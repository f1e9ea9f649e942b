// `dap init` in an empty and in an existing repository, and commands run from a subdirectory.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dap } from '../tracking/helpers.js';
import { tempRepo } from '../support/temp-repo.js';

const read = (root: string, f: string) => fs.readFileSync(path.join(root, f), 'utf8');

describe('dap init', () => {
  it('scaffolds an empty repository: example spec and script, environments/python, .gitignore, .gitlab-ci.yml, editor schemas', async () => {
    const root = await tempRepo({});
    const r = await dap(['init'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    for (const f of ['experiments/example.yaml', 'experiments/example/train.py', 'environments/python/environment.yaml', '.gitlab-ci.yml', 'schemas/experiment.schema.json']) {
      expect(r.stdout, f).toContain(`written: ${f}`);
    }
    expect(read(root, '.gitignore').split('\n')).toEqual(expect.arrayContaining(['.dap/', 'node_modules/']));
    // without dap in node_modules the $schema comment points at the copy dap schema --write made
    const ref = /\$schema=(\S+)/.exec(read(root, 'experiments/example.yaml'))![1]!;
    expect(ref).toBe('../schemas/experiment.schema.json');
    expect(JSON.parse(fs.readFileSync(path.resolve(root, 'experiments', ref), 'utf8')).$schema).toBeDefined();
    // what it wrote is valid and the pipeline it generated is current
    expect((await dap(['validate'], { cwd: root })).code).toBe(0);
    expect((await dap(['generate', '--check'], { cwd: root })).code).toBe(0);
  });

  it('in an existing repository: refuses to overwrite, writes nothing, and appends to .gitignore only once', async () => {
    const root = await tempRepo({ '.gitignore': 'data/\n', '.gitlab-ci.yml': 'test:\n  script: [make test]\n' });
    const refused = await dap(['init'], { cwd: root });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/dap init would overwrite \.gitlab-ci\.yml; nothing was written/);
    expect(fs.existsSync(path.join(root, 'experiments'))).toBe(false);
    expect(read(root, '.gitignore')).toBe('data/\n');
    expect(read(root, '.gitlab-ci.yml')).toBe('test:\n  script: [make test]\n');

    fs.rmSync(path.join(root, '.gitlab-ci.yml'));
    expect((await dap(['init'], { cwd: root })).code).toBe(0);
    expect(read(root, '.gitignore')).toMatch(/^data\/\n# dap: .*\n\.dap\/\nnode_modules\/\n$/);
  });
});

describe('commands from a subdirectory of the project', () => {
  it('validate, plan and runs find the project root (experiments/ or .git upwards)', async () => {
    const root = await tempRepo({});
    expect((await dap(['init'], { cwd: root })).code).toBe(0);
    const sub = path.join(root, 'src', 'models');
    fs.mkdirSync(sub, { recursive: true });
    const v = await dap(['validate'], { cwd: sub });
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toBe('ok: 1 experiment, 3 runs\n');
    const p = await dap(['plan', '--json'], { cwd: path.join(root, 'experiments', 'example') });
    expect(JSON.parse(p.stdout).experiments[0].runs).toHaveLength(3);
    // a journal in the project's .dap/journal is what dap runs lists, wherever it is asked
    const journal = path.join(root, '.dap', 'journal');
    fs.mkdirSync(journal, { recursive: true });
    fs.writeFileSync(path.join(journal, 'one.jsonl'), `${JSON.stringify({ t: 'open', v: 1, identity: 'k|local', experiment: 'example', runName: 'example-0', time: 1 })}\n${JSON.stringify({ t: 'status', status: 'FINISHED', time: 2 })}\n`);
    const runs = await dap(['runs', '--json'], { cwd: sub });
    expect(runs.code, runs.stderr).toBe(0);
    expect(JSON.parse(runs.stdout).map((r: { identity: string }) => r.identity)).toEqual(['k|local']);
  });
});
