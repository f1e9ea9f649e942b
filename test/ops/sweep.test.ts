// `dap sweep select` when MLflow cannot be reached: the rung's results come from the runs' own
// journals (written by real `dap track` processes), and the child it writes is the same one MLflow
// results would give. Untrusted journals of other sweeps are ignored; failed runs are named.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planExperiment } from '../../src/core/plan/index.js';
import { loadSpecs } from '../../src/ops/load-specs.js';
import { sweepSelectOp } from '../../src/ops/sweep.js';
import type { PlannedRun } from '../../src/core/plan/types.js';
import { DEAD_URI, dap, tmpDir } from '../tracking/helpers.js';
import { tempRepo } from '../support/temp-repo.js';
import { exec } from '../../src/adapters/exec/exec.js';
import { startFakeGitlab } from '../fakes/gitlab-server.js';

/** A job's artifacts archive as GitLab builds it: this one journal under .dap/journal/. */
async function journalZip(journal: string): Promise<Buffer> {
  const dir = tmpDir('halving-job');
  fs.mkdirSync(path.join(dir, '.dap', 'journal'), { recursive: true });
  fs.copyFileSync(journal, path.join(dir, '.dap', 'journal', path.basename(journal)));
  const out = path.join(dir, 'artifacts.zip');
  const r = await exec(['python3', '-c', 'import sys,zipfile,os\nos.chdir(sys.argv[2])\nz=zipfile.ZipFile(sys.argv[1],"w")\nfor f in sys.argv[3:]: z.write(f)\nz.close()', out, dir, `.dap/journal/${path.basename(journal)}`]);
  if (r.code !== 0) throw new Error(r.stderr);
  return fs.readFileSync(out);
}

const SPEC = `name: toy-halving
environment: python
command: ["python3", "train.py", "--lr", "{{ params.lr }}", "--epochs", "{{ params.epochs }}"]
sweep:
  halving:
    space: { lr: { loguniform: [0.001, 0.3] } }
    samples: 9
    seed: 7
    budget: { param: epochs, min: 3, max: 27 }
    eta: 3
metrics: { primary: val_loss, goal: minimize }
`;

describe('dap sweep select from journals', () => {
  let root: string;
  let journals: string;
  let runs: PlannedRun[];
  /** what each rung-0 run reports: a loss, a failure, or nothing */
  const outcome = (i: number): { loss?: number; exit: number } => (i === 2 ? { loss: 0.001, exit: 1 } : i === 5 ? { exit: 0 } : { loss: [0.5, 0.2, 0, 0.9, 0.1, 0, 0.3, 0.8, 0.6][i]!, exit: 0 });

  beforeAll(async () => {
    root = await tempRepo({ 'experiments/toy-halving.yaml': SPEC }, 'dap-halving-journals-');
    journals = path.join(root, 'journals');
    runs = planExperiment((await loadSpecs(root, undefined, { environments: ['python'] }))[0]!).runs;
    // real dap track processes write the journals, as the rung-0 jobs would
    const track = (run: PlannedRun, sweep: string, loss: number | undefined, exit: number) => {
      const script = `import json,os,sys\n${loss === undefined ? '' : `open(os.environ['DAP_METRICS_FILE'],'a').write(json.dumps({'step':3,'val_loss':${loss}})+'\\n')\n`}sys.exit(${exit})`;
      fs.writeFileSync(path.join(root, `r${run.index}.py`), script);
      return dap(['track', '--', 'python3', `r${run.index}.py`], {
        cwd: root,
        env: {
          DAP_EXPERIMENT: 'toy-halving', DAP_RUN_KEY: run.key, DAP_RUN_INDEX: String(run.index), DAP_RUN: `r${run.index}`,
          DAP_SWEEP_PIPELINE_ID: sweep, DAP_RUNG: '0', DAP_BRACKET: '0', DAP_JOURNAL_DIR: journals,
          DAP_METRICS_FILE: path.join(root, `m${run.index}-${sweep}.jsonl`), CI_PIPELINE_ID: '900', CI_JOB_NAME: `job ${run.index} ${sweep}`,
          ...Object.fromEntries(Object.entries(run.params).map(([k, v]) => [`DAP_PARAM_${k.toUpperCase()}`, String(v)])),
        },
      });
    };
    for (const [i, run] of runs.entries()) {
      const { loss, exit } = outcome(i);
      await track(run, '77', loss, exit);
    }
    // another sweep's journal claims the best loss for run 8: it must not count here
    await track(runs[8]!, '78', 0.0001, 0);
  }, 120_000);
  afterAll(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('falls back to the journals, promotes the best third of the finished runs and names the rest', async () => {
    const said: string[] = [];
    const env = { DAP_JOURNAL_DIR: journals, MLFLOW_TRACKING_URI: DEAD_URI, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0', MLFLOW_HTTP_REQUEST_TIMEOUT: '2' };
    const r = await sweepSelectOp({ root, spec: 'experiments/toy-halving.yaml', sweepId: '77', rung: 1, env, say: (l) => said.push(l) });
    expect(said.join('\n')).toMatch(/MLflow unreachable .*reading the runs' journals instead/);
    expect(r.source).toBe('journals (journals)');
    const sel = r.selections[0]!;
    // losses 0.5 0.2 FAIL 0.9 0.1 none 0.3 0.8 0.6 → 4, 1, 6
    expect(sel.promoted.map((p) => p.index)).toEqual([4, 1, 6]);
    expect(sel.excluded.map((e) => [e.run.index, e.reason])).toEqual([[2, 'status FAILED'], [5, 'no val_loss reported']]);
    const child = fs.readFileSync(path.join(root, r.children[0]!.path), 'utf8');
    for (const i of [4, 1, 6]) expect(child).toContain(`'r${i}-`);
    expect(child).not.toMatch(/'r[023578]-/);
    expect(child).toContain("DAP_SWEEP_PIPELINE_ID: \"77\"");
    expect(child).toMatch(/DAP_PARAM_EPOCHS='9'/);
  }, 60_000);

  it('in GitLab, reads the journals from the job artifacts of the parent pipeline\'s children (fake GitLab API, real gitbeaker)', async () => {
    const files = fs.readdirSync(journals).filter((f) => f.endsWith('.jsonl')).map((f) => path.join(journals, f));
    const jobs = await Promise.all(files.map(async (f, i) => ({ id: 5000 + i, name: `toy-halving: [r${i}]`, archive: await journalZip(f) })));
    const gitlab = await startFakeGitlab({
      tokens: [], jobTokens: ['job-token-1'],
      projects: [{ id: 42, path: 'group/proj', pipelines: [
        { id: 900, jobs: [{ id: 4000, name: 'toy-halving-sweep-open' }], bridges: [{ id: 4001, name: 'toy-halving-rung-0', downstream: 901 }] },
        { id: 901, jobs },
      ] }],
    });
    try {
      const env = { MLFLOW_TRACKING_URI: DEAD_URI, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0', CI_SERVER_URL: gitlab.url, CI_JOB_TOKEN: 'job-token-1', CI_PROJECT_ID: '42', CI_PIPELINE_ID: '900', DAP_JOURNAL_DIR: tmpDir('empty-journals') };
      const r = await sweepSelectOp({ root, spec: 'toy-halving', sweepId: '77', rung: 1, env, say: () => {} });
      expect(r.source).toMatch(/journals \(.*\.dap\/sync\/sweep-77\)/);
      expect(r.selections[0]!.promoted.map((p) => p.index)).toEqual([4, 1, 6]);
    } finally {
      await gitlab.close();
    }
  }, 60_000);

  it('refuses a rung number the sweep does not have', async () => {
    await expect(sweepSelectOp({ root, spec: 'toy-halving', sweepId: '77', rung: 3, env: { DAP_JOURNAL_DIR: journals } })).rejects.toThrow(/has rungs 0\.\.2; select writes rungs 1\.\.2, not 3/);
  });
});
