import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runOp } from '../../src/ops/run-selected.js';
import { tempRepo, commitAll } from '../support/temp-repo.js';
import { generateOp } from '../../src/ops/generate.js';
import { runsOp } from '../../src/ops/runs.js';

// Hostile parameter values go through the whole path: spec → generated parent/child pipeline →
// real gitlab-ci-local shell jobs → the user's command. They must arrive byte-for-byte as argv,
// as DAP_PARAM_* and in $DAP_PARAMS_FILE, and none of the embedded commands may run.
const hostile = [
  'a$(touch PWNED_DIR/subst)b',
  'tick`touch PWNED_DIR/backtick`tock',
  `both "double" and 'single' quotes`,
  'semi; touch PWNED_DIR/semi && touch PWNED_DIR/and',
  'line one\nline two\n',
  '# not a comment',
  'ünïcødé ✓ 日本語',
  '$HOME ${CI_JOB_ID} $$ \\n \\',
];

function specYaml(outDir: string, pwnDir: string): string {
  const values = hostile.map((v) => v.replaceAll('PWNED_DIR', pwnDir));
  return [
    'name: hostile',
    'image: python:3.11-slim',
    'command: ["python3", "echo_params.py", "{{ params.v }}", "--n={{ params.n }}"]',
    'params: { n: 3 }',
    'sweep:',
    '  list:',
    ...values.map((v) => `    - { v: ${JSON.stringify(v)} }`),
    '',
  ].join('\n') + `# outputs go to ${outDir}\n`;
}

const echoScript = (outDir: string) => `import json, os, sys
out = {"argv": sys.argv[1:], "env": os.environ.get("DAP_PARAM_V"), "n": os.environ.get("DAP_PARAM_N"),
       "file": json.load(open(os.environ["DAP_PARAMS_FILE"], encoding="utf-8"))}
with open(os.path.join(${JSON.stringify(outDir)}, os.environ["DAP_RUN_KEY"] + ".json"), "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False)
`;

describe('parameters reach the job safely (real gitlab-ci-local run)', () => {
  it('delivers hostile values byte-for-byte and executes none of them', async () => {
    const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'dap-hostile-'));
    const outDir = path.join(scratch, 'out');
    const pwnDir = path.join(scratch, 'pwned');
    await fs.mkdir(outDir);
    await fs.mkdir(pwnDir);
    const root = await tempRepo({
      'experiments/hostile.yaml': specYaml(outDir, pwnDir),
      'echo_params.py': echoScript(outDir),
      '.gitignore': '.dap/\n',
    });
    await generateOp({ root });
    commitAll(root, 'pipeline');

    const result = await runOp({ root, experiments: [], env: { ...process.env, MLFLOW_TRACKING_URI: '' } });
    const failed = result.jobs.filter((j) => j.status === 'failed');
    expect(failed, JSON.stringify(failed, null, 2)).toEqual([]);

    const outputs = await Promise.all((await fs.readdir(outDir)).map(async (f) => JSON.parse(await fs.readFile(path.join(outDir, f), 'utf8'))));
    expect(outputs).toHaveLength(hostile.length);
    const expected = hostile.map((v) => v.replaceAll('PWNED_DIR', pwnDir)).sort();
    expect(outputs.map((o) => o.argv[0]).sort()).toEqual(expected);
    expect(outputs.map((o) => o.env).sort()).toEqual(expected);
    expect(outputs.map((o) => o.file.v).sort()).toEqual(expected);
    for (const o of outputs) {
      expect(o.argv[1]).toBe('--n=3');
      expect(o.n).toBe('3');
      expect(o.file.n).toBe(3);
    }
    expect(await fs.readdir(pwnDir)).toEqual([]); // no $(…), backtick, ; or && ran

    // foreign image: the runs travel as artifacts to dap_sync, which (no MLflow) keeps them locally
    const { runs } = await runsOp({ cwd: root, env: { ...process.env, DAP_JOURNAL_DIR: result.journalDir } });
    expect(runs.filter((r) => r.experiment === 'hostile').map((r) => r.params.v).sort()).toEqual(expected);
    expect(runs.every((r) => r.status === 'FINISHED')).toBe(true);
  });
});
