// The generated parent -> child pipeline, run for real by gitlab-ci-local (shell executor, as
// `dap run --local` runs it): dap_check and dap_generate call the real dap CLI, the trigger picks
// up the child artifact, and hostile parameter values reach the command byte-for-byte.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateOp } from '../../src/ops/generate.js';
import { runLocalOp } from '../../src/ops/run-local.js';
import { commitAll, tempRepo } from '../support/temp-repo.js';
import { repoRoot } from '../support/repo.js';


const VALUES = ['$(touch PWNED) `touch PWNED` it\'s "q"; a && b # c', 'ünï ✓\nline two', '  spaced  '];
const PRINT = "import sys, json, os; os.makedirs('outputs', exist_ok=True); open('outputs/argv.json', 'w').write(json.dumps(sys.argv[1:]))";

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

beforeAll(() => {
  // gitlab-ci-local's --shell-isolation copies each job's directory with rsync
  try { execFileSync('rsync', ['--version'], { stdio: 'ignore' }); } catch {
    throw new Error('rsync is missing: apt-get install -y rsync (make test installs it)');
  }
}, 300_000);

describe('generated pipelines on gitlab-ci-local', () => {
  it('parent -> child runs, every value arrives byte-for-byte, nothing is executed', async () => {
    const list = VALUES.map((v) => `    - { v: ${JSON.stringify(v)} }`).join('\n');
    const root = await tempRepo({
      'environments/python/environment.yaml': 'python: "3.11"\n',
      'experiments/hostile.yaml': `name: hostile\nimage: python:3\ncommand: ["python3", "-c", ${JSON.stringify(PRINT)}, "{{ params.v }}", "--v={{ params.v }}"]\nsweep:\n  list:\n${list}\n  max_parallel: 2\nartifacts:\n  paths: [outputs/]\n`,
      '.gitignore': '.dap/\n',
    });
    await generateOp({ root, tracking: false });
    commitAll(root, 'pipeline');
    const lines: string[] = []; // runLocalOp puts its own `dap` shim (this checkout's dist/) first on PATH
    const res = await runLocalOp({ root, pipelineFile: '.gitlab-ci.yml', onLine: (l) => lines.push(l) });
    expect(res.passed, lines.slice(-40).join('\n')).toBe(true);
    const names = res.jobs.map((j) => j.name);
    expect(names).toEqual(expect.arrayContaining(['dap_check', 'dap_generate', 'dap_run']));
    expect(names.filter((n) => n.startsWith('hostile lane'))).toHaveLength(VALUES.length);

    // what the jobs exported as artifacts (gitlab-ci-local keeps them under <state>/artifacts/<job>/)
    const exported = walk(path.join(root, '.dap/local')).filter((f) => f.includes(`${path.sep}artifacts${path.sep}`));
    const argvFiles = exported.filter((f) => f.endsWith(path.join('outputs', 'argv.json')));
    const seen = argvFiles.map((f) => JSON.parse(readFileSync(f, 'utf8')) as string[]);
    expect(seen.map((a) => a[0]).sort()).toEqual([...VALUES].sort());
    for (const a of seen) expect(a[1]).toBe(`--v=${a[0]}`);
    const paramsFiles = exported.filter((f) => /\.dap\/params\/r\d+-\w+\.json$/.test(f));
    expect(paramsFiles.map((f) => (JSON.parse(readFileSync(f, 'utf8')) as { v: string }).v).sort()).toEqual([...VALUES].sort());
    expect(walk(root).filter((f) => f.endsWith('PWNED'))).toEqual([]);
    expect(existsSync('/PWNED')).toBe(false);
  });
});
