// The README's quickstart, run as written by a new user: a fresh directory outside the dap tree,
// dap installed from the file `npm pack` makes, then init, validate, plan, generate, run --local
// (nothing committed) and runs. Only the last line (commit and push) is left out: there is no remote.

import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../tracking/helpers.js';
import { jobEnv } from '../e2e/support/example-repo.js';

/** The shell block after the "quickstart.test.ts runs this block" marker in README.md. */
function quickstartBlock(): string[] {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const at = readme.indexOf('test/local-run/quickstart.test.ts runs this block');
  if (at < 0) throw new Error('README.md lost its quickstart marker');
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!block) throw new Error('no ```sh block after the quickstart marker in README.md');
  return block[1]!.split('\n').filter((l) => l.trim() !== '');
}

describe('the README quickstart, verbatim', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-quickstart-'));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('installs from npm pack, scaffolds, validates, plans, generates, runs locally without a commit and lists the runs', () => {
    const lines = quickstartBlock();
    // the last step needs a GitLab remote (dap submit pushes and follows the pipeline): not run here
    const push = lines.filter((l) => /\bgit push\b|\bdap submit\b/.test(l));
    expect(push).toHaveLength(1);
    const script = lines.filter((l) => !push.includes(l));
    expect(script.map((l) => l.split('#')[0]!.trim())).toEqual([
      'git init my-research && cd my-research',
      'npm install --save-dev ../dap/dap-0.1.0.tgz',
      'npx dap init', 'npx dap validate', 'npx dap plan', 'npx dap generate', 'npx dap run --local', 'npx dap runs',
    ]);
    // the package file where the README's install line expects it: ../dap beside the project
    fs.mkdirSync(path.join(work, 'dap'));
    execFileSync('npm', ['pack', '--silent', '--pack-destination', path.join(work, 'dap')], { cwd: repoRoot, stdio: 'pipe' });
    expect(fs.readdirSync(path.join(work, 'dap'))).toEqual(['dap-0.1.0.tgz']);

    const env = { ...jobEnv({}), npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' };
    const res = spawnSync('bash', ['-euo', 'pipefail', '-c', script.join('\n')], { cwd: work, env, encoding: 'utf8', timeout: 900_000 });
    const out = `${res.stdout}\n${res.stderr}`;
    expect(res.status, out.slice(-4000)).toBe(0);

    const project = path.join(work, 'my-research');
    expect(fs.realpathSync(project).startsWith(fs.realpathSync(repoRoot))).toBe(false);
    // dap is the installed package, not this checkout
    expect(fs.existsSync(path.join(project, 'node_modules', 'dap', 'dist', 'cli', 'bin.js'))).toBe(true);
    // nothing was committed, and the pipeline still passed on the files as they are
    expect(spawnSync('git', ['rev-parse', '--verify', 'HEAD'], { cwd: project }).status).not.toBe(0);
    expect(res.stdout).toMatch(/pipeline passed \(\d+ jobs\)/);
    // dap runs: the example's three runs, finished, ranked by their loss
    const rows = res.stdout.split('\n').filter((l) => /^\d+\s+\d+:[0-9a-f]{8}\s+FINISHED\b/.test(l));
    expect(rows).toHaveLength(3);
    // the spec's $schema comment resolves inside the project
    const first = fs.readFileSync(path.join(project, 'experiments', 'example.yaml'), 'utf8').split('\n')[0]!;
    const ref = /\$schema=(\S+)/.exec(first)![1]!;
    expect(fs.existsSync(path.resolve(project, 'experiments', ref))).toBe(true);
    // and no git fallback noise from gitlab-ci-local in a repository without a commit
    expect(out).not.toMatch(/Using fallback git|ambiguous argument 'HEAD'/);
  }, 1_200_000);

  it('npm install <git URL> builds dist/ through the prepare script and gives a working dap', () => {
    // a bare clone of this checkout's HEAD stands in for the team's git server
    const bare = path.join(work, 'dap.git');
    execFileSync('git', ['clone', '-q', '--bare', repoRoot, bare]);
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const project = path.join(work, 'from-git');
    fs.mkdirSync(project);
    execFileSync('git', ['init', '-q'], { cwd: project });
    const env = { ...jobEnv({}), npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' };
    const res = spawnSync('npm', ['install', '--save-dev', `git+file://${bare}#${head}`], { cwd: project, env, encoding: 'utf8', timeout: 1_500_000 });
    expect(res.status, `${res.stdout}\n${res.stderr}`.slice(-3000)).toBe(0);
    expect(fs.existsSync(path.join(project, 'node_modules', 'dap', 'dist', 'cli', 'bin.js'))).toBe(true);
    const init = spawnSync('npx', ['dap', 'init'], { cwd: project, env, encoding: 'utf8' });
    expect(init.status, init.stderr).toBe(0);
    const validate = spawnSync('npx', ['dap', 'validate'], { cwd: path.join(project, 'experiments'), env, encoding: 'utf8' });
    expect([validate.status, validate.stdout]).toEqual([0, 'ok: 1 experiment, 3 runs\n']);
  }, 1_800_000);
});
