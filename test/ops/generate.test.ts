// generateOp and `dap generate` on real temp projects (real git for --changed-since).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DapError } from '../../src/errors.js';
import { generateOp } from '../../src/ops/generate.js';
import { commitAll, tempRepo, writeFiles } from '../support/temp-repo.js';
import { repoRoot } from '../support/repo.js';

const bin = path.join(repoRoot, 'dist/cli/bin.js');

const spec = (name: string, extra = '') =>
  `name: ${name}\nenvironment: python\ncommand: ["python3", "src/${name}.py", "--lr={{ params.lr }}"]\nsweep:\n  grid:\n    lr: [0.1, 0.2]\n${extra}`;

const project = () => tempRepo({
  'environments/python/environment.yaml': 'python: "3.11"\n',
  'environments/base/environment.yaml': 'base: true\n',
  'experiments/alpha.yaml': spec('alpha'),
  'experiments/beta.yaml': spec('beta', 'inputs: ["data/beta/**"]\n'),
  'experiments/gamma.yaml': 'name: gamma\nimage: python:3.12\ncommand: python -c "print(1)"\n',
  'src/alpha.py': 'print("a")\n', 'src/beta.py': 'print("b")\n', 'data/beta/x.csv': '1\n',
});

function cli(root: string, args: string[]) {
  try {
    return { code: 0, stdout: execFileSync('node', [bin, ...args], { cwd: root, encoding: 'utf8', stdio: 'pipe' }), stderr: '' };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, stdout: String(err.stdout), stderr: String(err.stderr) };
  }
}

describe('dap generate', () => {
  it('every mode writes a pipeline that dap lint accepts', async () => {
    const root = await project();
    for (const args of [[], ['--static', '--out', 'static.yml'], ['--child']]) {
      const r = cli(root, ['generate', ...args]);
      expect(r.code, r.stderr).toBe(0);
    }
    for (const f of ['.gitlab-ci.yml', 'static.yml', '.dap/child.yml']) {
      const r = cli(root, ['lint', f]);
      expect(r.code, `${f}: ${r.stderr}`).toBe(0);
    }
    expect(readFileSync(path.join(root, 'static.yml'), 'utf8')).toContain('dap generate --check --static --out static.yml');
  });

  it('--check: fresh exits 0, stale or missing exits 1 with a diff summary, and writes nothing', async () => {
    const root = await project();
    expect(cli(root, ['generate', '--check']).code).toBe(1); // missing
    expect(existsSync(path.join(root, '.gitlab-ci.yml'))).toBe(false);
    expect(cli(root, ['generate']).code).toBe(0);
    expect(cli(root, ['generate', '--check']).stdout).toMatch(/up to date/);
    writeFileSync(path.join(root, 'experiments/delta.yaml'), spec('delta'));
    const before = readFileSync(path.join(root, '.gitlab-ci.yml'), 'utf8');
    const stale = cli(root, ['generate', '--check']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/\.gitlab-ci\.yml is stale[\s\S]*first difference at line \d+/);
    expect(readFileSync(path.join(root, '.gitlab-ci.yml'), 'utf8')).toBe(before);
  });

  it('is deterministic: a second run leaves the file unchanged', async () => {
    const root = await project();
    await generateOp({ root, mode: 'static' });
    const first = readFileSync(path.join(root, '.gitlab-ci.yml'), 'utf8');
    const again = await generateOp({ root, mode: 'static' });
    expect(again.files[0]!.status).toBe('unchanged');
    expect(readFileSync(path.join(root, '.gitlab-ci.yml'), 'utf8')).toBe(first);
  });

  it('a failed run (limits) leaves the old file untouched', async () => {
    const root = await project();
    await generateOp({ root, mode: 'static' });
    const before = readFileSync(path.join(root, '.gitlab-ci.yml'), 'utf8');
    await expect(generateOp({ root, mode: 'static', limits: { hierarchyJobs: 3 } })).rejects.toThrow(/over GitLab's limit of 3 jobs/);
    expect(readFileSync(path.join(root, '.gitlab-ci.yml'), 'utf8')).toBe(before);
  });

  it('a failed write leaves the old file untouched and no temp files behind', async () => {
    const root = await project();
    await generateOp({ root, mode: 'static' });
    const before = readFileSync(path.join(root, '.gitlab-ci.yml'), 'utf8');
    writeFileSync(path.join(root, 'experiments/delta.yaml'), spec('delta'));
    // the child goes to a path whose parent is a regular file: the write must fail
    writeFileSync(path.join(root, 'blocker'), 'x');
    const err = await generateOp({ root, mode: 'child', out: 'blocker/child.yml' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DapError);
    expect((err as DapError).message).toMatch(/could not write the pipeline/);
    expect(readFileSync(path.join(root, 'blocker'), 'utf8')).toBe('x');
    expect(readFileSync(path.join(root, '.gitlab-ci.yml'), 'utf8')).toBe(before);
    expect(readdirSync(root).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('reads images.lock.json and pins environment images by digest', async () => {
    const root = await project();
    const ref = `registry.example/p/env-python@sha256:${'b'.repeat(64)}`;
    await writeFiles(root, { 'environments/images.lock.json': JSON.stringify({ python: { image: 'registry.example/p/env-python:abc', digest: `sha256:${'b'.repeat(64)}`, ref } }) });
    const r = await generateOp({ root, mode: 'static' });
    expect(r.warnings).toEqual([]);
    expect(readFileSync(path.join(root, '.gitlab-ci.yml'), 'utf8')).toContain(`image: ${ref}`);
  });
});

describe('dap generate --changed-since', () => {
  it('keeps experiments whose spec, command file, inputs or environment changed (committed or not)', async () => {
    const root = await project();
    const base = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const kept = async () => (await generateOp({ root, mode: 'static', changedSince: base })).experiments;
    expect(await kept()).toEqual([]);

    await writeFiles(root, { 'src/alpha.py': 'print("a2")\n' }); // uncommitted command file
    expect(await kept()).toEqual(['alpha']);
    commitAll(root);
    expect(await kept()).toEqual(['alpha']);

    await writeFiles(root, { 'data/beta/new.csv': '2\n' }); // untracked file under an inputs glob
    expect(await kept()).toEqual(['alpha', 'beta']);

    await writeFiles(root, { 'environments/python/environment.yaml': 'python: "3.12"\n' });
    commitAll(root);
    const r = await generateOp({ root, mode: 'static', changedSince: base });
    expect(r.experiments).toEqual(['alpha', 'beta']); // gamma uses a foreign image
    expect(r.changes!.find((c) => c.experiment === 'beta')!.reasons).toContain('environments/python/environment.yaml (environment python)');

    const out = cli(root, ['generate', '--static', '--changed-since', base]);
    expect(out.stdout).toMatch(/kept alpha: changed .*src\/alpha.py \(command\)/);
    expect(out.stdout).toMatch(/skipped gamma/);
    expect(cli(root, ['lint', '.gitlab-ci.yml']).code).toBe(0);
  });

  it('records the selection, not the ref, so the pipeline passes its own dap_check and dap_generate in CI', async () => {
    const root = await project();
    const base = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    await writeFiles(root, { 'src/alpha.py': 'print("a2")\n' });
    commitAll(root);
    await generateOp({ root, changedSince: base });
    const parent = readFileSync(path.join(root, '.gitlab-ci.yml'), 'utf8');
    expect(parent).toContain('dap generate --check experiments/alpha.yaml');
    expect(parent).toContain('dap generate --child --out .dap/child.yml experiments/alpha.yaml');
    expect(parent).not.toContain(base);
    // exactly what the CI jobs run: no ref needed
    expect(cli(root, ['generate', '--check', 'experiments/alpha.yaml']).code).toBe(0);
    cli(root, ['generate', '--child', '--out', '.dap/child.yml', 'experiments/alpha.yaml']);
    const child = readFileSync(path.join(root, '.dap/child.yml'), 'utf8');
    expect(child).toContain('alpha');
    expect(child).not.toMatch(/beta|gamma/);

    // nothing changed since HEAD: the pipeline records --none, and that check passes too
    commitAll(root);
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const none = await generateOp({ root, changedSince: head });
    expect(none.experiments).toEqual([]);
    expect(readFileSync(path.join(root, '.gitlab-ci.yml'), 'utf8')).toContain('dap generate --check --none');
    expect(cli(root, ['generate', '--check', '--none']).code).toBe(0);
    expect(cli(root, ['generate', '--check']).code).toBe(1); // the full pipeline would differ
  });

  it('--changed-since REF --out FILE: the pipeline checks FILE, and its dap_check command passes', async () => {
    const root = await project();
    const base = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    await writeFiles(root, { 'src/alpha.py': 'print("a3")\n' });
    commitAll(root);
    const r = cli(root, ['generate', '--changed-since', base, '--out', 'ci/pipeline.yml']);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(path.join(root, 'ci/pipeline.yml'), 'utf8');
    const check = /- (dap generate --check .*)/.exec(text)![1]!;
    expect(check).toBe('dap generate --check --out ci/pipeline.yml experiments/alpha.yaml');
    expect(cli(root, check.split(' ').slice(1)).code).toBe(0);
  });

  it('string commands and --opt=path words count as command files', async () => {
    const { commandFiles } = await import('../../src/core/pipeline/changes.js');
    expect(commandFiles('python3 tools/prep.py && ./run.sh "data/x.csv"')).toEqual(expect.arrayContaining(['tools/prep.py', 'run.sh', 'data/x.csv']));
    expect(commandFiles(['python3', '--config=conf/a.yaml', '-v', '{{ params.x }}'])).toEqual(['python3', 'conf/a.yaml']);
  });

  it('names an unknown ref clearly', async () => {
    const root = await project();
    await expect(generateOp({ root, changedSince: 'no-such-branch' })).rejects.toThrow(/unknown git ref "no-such-branch"/);
  });
});
