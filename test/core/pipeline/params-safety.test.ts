// Parameter values reach the command byte-for-byte and execute nothing: the generated YAML is
// parsed back (YAML 1.1 like GitLab, js-yaml like gitlab-ci-local), and its script run with /bin/sh.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import jsyaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { runId } from '../../../src/core/pipeline/prelude.js';
import { shQuote } from '../../../src/core/pipeline/shell.js';
import { build, experiment } from '../../support/pipeline.js';

const NASTY = [
  '$(touch PWNED)',
  '`touch PWNED`',
  `it's "quoted" both ways`,
  'a; touch PWNED && echo x',
  'line one\nline two\n',
  '# not a comment',
  'ünïcødé ✓ 日本',
  "'; touch PWNED; echo '",
  '$HOME ${PATH} \\ \\n %s %d',
  '  spaces  ',
  'yes',
  '0755',
  'key: value',
  '',
];

const PRINT_ARGV = 'import sys, json; sys.stdout.write(json.dumps(sys.argv[1:]))';

function scriptOf(text: string, job: string, parser: 'yaml' | 'js-yaml'): string[] {
  const doc = (parser === 'yaml' ? YAML.parse(text, { version: '1.1' }) : jsyaml.load(text)) as Record<string, { script: string[] }>;
  return doc[job]!.script;
}

function runScript(script: string[], dapRun: string, extraEnv: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'dap-params-'));
  // GitLab runs each script line in one shell; join them the same way
  const out = execFileSync('/bin/sh', ['-c', `set -e\n${script.join('\n')}`], {
    cwd: dir,
    env: { PATH: process.env.PATH, DAP_RUN: dapRun, CI_PROJECT_DIR: dir, ...extraEnv },
    encoding: 'utf8',
  });
  return { out, dir };
}

describe('parameters reach the job safely', () => {
  const exp = experiment(
    { name: 'nasty', image: 'python:3', command: ['python3', '-c', PRINT_ARGV, '{{ params.v }}', '--v={{ params.v }}!', '{{params.n}}'] },
    NASTY.map((v, i) => ({ v, n: i })),
  );
  const text = build([exp], { tracking: false }).files[0]!.text;

  for (const parser of ['yaml', 'js-yaml'] as const) {
    it(`argv words and DAP_PARAM_* arrive byte-for-byte (parsed with ${parser})`, () => {
      const script = scriptOf(text, 'nasty', parser);
      for (const r of exp.runs) {
        const { out, dir } = runScript([...script, 'printf "%s" "$DAP_PARAM_V" > v.txt', 'printf "%s" "$DAP_RUN_KEY/$DAP_RUN_INDEX" > key.txt'], runId(r));
        const v = r.params.v as string;
        expect(JSON.parse(out)).toEqual([v, `--v=${v}!`, String(r.params.n)]);
        expect(readFileSync(path.join(dir, 'v.txt'), 'utf8')).toBe(v);
        expect(readFileSync(path.join(dir, 'key.txt'), 'utf8')).toBe(`${r.key}/${r.index}`);
        expect(JSON.parse(readFileSync(path.join(dir, '.dap/params', `${runId(r)}.json`), 'utf8'))).toEqual(r.params);
        expect(existsSync(path.join(dir, 'PWNED'))).toBe(false);
      }
    });
  }

  it('a string command runs as the user wrote it, with params in the environment', () => {
    const e = experiment({ name: 'str', image: 'alpine', command: 'printf "%s|%s" "$DAP_PARAM_V" "$DAP_METRICS_FILE" > out.txt' }, NASTY.map((v) => ({ v })));
    const script = scriptOf(build([e], { tracking: false }).files[0]!.text, 'str', 'yaml');
    for (const r of e.runs) {
      const { dir } = runScript(script, runId(r));
      expect(readFileSync(path.join(dir, 'out.txt'), 'utf8')).toBe(`${r.params.v as string}|${dir}/.dap/metrics/${runId(r)}.jsonl`);
      expect(existsSync(path.join(dir, 'PWNED'))).toBe(false);
    }
  });

  it('tracked commands go through `dap track --` with the same words (string commands via sh -c)', () => {
    const bin = mkdtempSync(path.join(tmpdir(), 'dap-fake-'));
    // a stand-in for dap: checks the `track --` prefix, then runs the rest as argv
    writeFileSync(path.join(bin, 'dap'), '#!/bin/sh\n[ "$1" = track ] && [ "$2" = -- ] || exit 9\nshift 2\nexec "$@"\n');
    chmodSync(path.join(bin, 'dap'), 0o755);
    const argvExp = experiment({ name: 'tracked', environment: 'python', command: ['python3', '-c', PRINT_ARGV, '{{ params.v }}'] }, NASTY.map((v) => ({ v })));
    const strExp = experiment({ name: 'tracked-str', environment: 'python', command: `printf '%s' "$DAP_PARAM_V" > "it's.txt"` }, NASTY.map((v) => ({ v })));
    const text2 = build([argvExp, strExp]).files[0]!.text;
    const env = { PATH: `${bin}:${process.env.PATH}` };
    for (const r of argvExp.runs) {
      expect(JSON.parse(runScript(scriptOf(text2, 'tracked', 'js-yaml'), runId(r), env).out)).toEqual([r.params.v]);
    }
    for (const r of strExp.runs) {
      const { dir } = runScript(scriptOf(text2, 'tracked-str', 'js-yaml'), runId(r), env);
      expect(readFileSync(path.join(dir, "it's.txt"), 'utf8')).toBe(r.params.v);
    }
  });

  it('a foreign-image job records the exit code for dap_sync and still fails with it', () => {
    const e = experiment({ name: 'fx', image: 'alpine', command: 'echo out > o.txt; exit 7', tracking: { experiment: 'cost $HOME `x`' } }, [{ v: 1 }]);
    const script = scriptOf(build([e]).files[0]!.text, 'fx', 'js-yaml');
    let err: { status?: number } = {};
    const dir = mkdtempSync(path.join(tmpdir(), 'dap-fx-'));
    try {
      execFileSync('/bin/sh', ['-c', `set -e\n${script.join('\n')}\necho "$DAP_TRACKING_EXPERIMENT" > te.txt`], { cwd: dir, env: { PATH: process.env.PATH, DAP_RUN: runId(e.runs[0]!), CI_PROJECT_DIR: dir }, stdio: 'pipe' });
    } catch (x) { err = x as typeof err; }
    expect(err.status).toBe(7);
    expect(readFileSync(path.join(dir, '.dap/status', runId(e.runs[0]!)), 'utf8')).toBe('7\n');
    expect(readFileSync(path.join(dir, 'o.txt'), 'utf8')).toBe('out\n');
    // and on success the tracking constants arrive literally ($ and ` not expanded)
    const ok = experiment({ name: 'fy', image: 'alpine', command: ['true'], tracking: { experiment: 'cost $HOME `x`' } }, [{ v: 1 }]);
    const { dir: d2 } = runScript([...scriptOf(build([ok]).files[0]!.text, 'fy', 'yaml'), 'printf "%s" "$DAP_TRACKING_EXPERIMENT|$DAP_SPEC_FILE" > te.txt'], runId(ok.runs[0]!));
    expect(readFileSync(path.join(d2, 'te.txt'), 'utf8')).toBe('cost $HOME `x`|experiments/fy.yaml');
    expect(readFileSync(path.join(d2, '.dap/status', runId(ok.runs[0]!)), 'utf8')).toBe('0\n');
  });

  it('an unknown DAP_RUN fails the job loudly', () => {
    const script = scriptOf(text, 'nasty', 'yaml');
    let err: { status?: number; stderr?: Buffer } = {};
    try { runScript(script, 'r999-deadbeef'); } catch (e) { err = e as typeof err; }
    expect(err.status).toBe(1);
    expect(String(err.stderr)).toContain("unknown DAP_RUN 'r999-deadbeef'");
  });

  it('shQuote survives every byte a shell could misread', () => {
    for (const v of NASTY) expect(execFileSync('/bin/sh', ['-c', `printf '%s' ${shQuote(v)}`], { encoding: 'utf8' })).toBe(v);
  });
});

describe('params JSON', () => {
  it('is byte-for-byte the canonical JSON the run key hashes', async () => {
    const { canonicalJson } = await import('../../../src/core/plan/key.js');
    const { canonicalParamsJson } = await import('../../../src/core/pipeline/prelude.js');
    for (const params of [{ b: 1, a: 'x' }, { z: 1e21, y: -0.5, x: true, w: 'ü"\'\n' }, {}]) {
      expect(canonicalParamsJson(params)).toBe(canonicalJson(params));
    }
  });
});
