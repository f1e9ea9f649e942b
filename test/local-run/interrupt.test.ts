// Ctrl-C on `dap run --local`: every job it started stops (no process left behind), each run that
// had started ends KILLED in its journal and in MLflow, locks are released, the summary of what
// became of the runs is printed, and dap exits 130. Real gitlab-ci-local, real MLflow.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MLFLOW_URI, cliBin, readBack, requireMlflow, uniqueName } from '../tracking/helpers.js';
import { readJournals } from '../e2e/support/journals.js';
import { jobEnv } from '../e2e/support/example-repo.js';
import { tempRepo } from '../support/temp-repo.js';

const slowSpec = (experiment: string) => `name: slow
environment: python
command: ["python3", "train.py", "--seed", "{{ params.seed }}"]
sweep:
  grid: { seed: [1, 2, 3, 4] }
  max_parallel: 2
tracking: { experiment: ${experiment} }
`;
// one metric point every 0.2 s for a minute: long enough to be interrupted mid-run
const TRAIN_PY = `import json, os, sys, time
with open(os.environ["DAP_METRICS_FILE"], "a") as f:
    for step in range(300):
        f.write(json.dumps({"step": step, "loss": 1 / (step + 1)}) + "\\n"); f.flush()
        time.sleep(0.2)
`;

/** pids of live processes started from (or working in) `dir` */
function processesIn(dir: string): string[] {
  const out: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
      const state = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
      if (state !== 'Z' && (cmd.includes(dir) || cwd.startsWith(dir))) out.push(`${pid}: ${cmd}`);
    } catch { /* gone meanwhile */ }
  }
  return out;
}

describe('interrupting dap run --local', () => {
  beforeAll(async () => {
    await requireMlflow();
  });
  const roots: string[] = [];
  afterAll(() => { for (const r of roots) fs.rmSync(r, { recursive: true, force: true }); });

  const cases = [
    { what: 'Ctrl-C (SIGINT to the foreground process group)', sig: 'SIGINT' as const, group: true, code: 130 },
    { what: 'SIGTERM to dap alone (kill PID)', sig: 'SIGTERM' as const, group: false, code: 143 },
  ];
  it.each(cases)('$what: runs end KILLED (journal and MLflow), nothing left running, exit $code', async ({ sig, group, code: wanted }) => {
    const experiment = uniqueName('interrupt');
    const root = await tempRepo({ '.gitignore': '.dap/\n', 'experiments/slow.yaml': slowSpec(experiment), 'train.py': TRAIN_PY }, 'dap-interrupt-');
    roots.push(root);
    // its own process group, as a shell gives a foreground job: Ctrl-C signals the whole group
    const child = spawn(process.execPath, [cliBin, 'run', '--local', '-q'], {
      cwd: root, env: jobEnv({ MLFLOW_TRACKING_URI: MLFLOW_URI }), detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c; });
    child.stderr.on('data', (c: Buffer) => { stderr += c; });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

    const journalDir = path.join(root, '.dap', 'journal');
    // (a journal caught between its creation and its first event does not count yet)
    const running = () => { try { return readJournals(journalDir).filter((j) => (j.points.loss?.length ?? 0) >= 3); } catch { return []; } };
    const deadline = Date.now() + 120_000;
    while (running().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(running(), `no run got going:\n${stderr}`).toHaveLength(2);
    // max_parallel: 2 holds locally: the other two runs wait for a slot
    expect(fs.readdirSync(journalDir).filter((f) => f.endsWith('.jsonl'))).toHaveLength(2);

    process.kill(group ? -child.pid! : child.pid!, sig);
    const code = await exited;
    expect(code, stderr).toBe(wanted);
    expect(processesIn(root)).toEqual([]);

    const journals = readJournals(journalDir);
    expect(journals.map((j) => j.status)).toEqual(['KILLED', 'KILLED']);
    expect(fs.readdirSync(journalDir).filter((f) => f.endsWith('.lock'))).toEqual([]);
    const slots = path.join(root, '.dap', 'local', 'slots');
    expect(fs.readdirSync(slots).flatMap((d) => fs.readdirSync(path.join(slots, d)))).toEqual([]);
    expect(stdout).toContain(`interrupted (${sig}): 0 run(s) finished, 2 stopped`);
    for (const j of journals) expect(stdout).toContain(j.runName);

    const back = await readBack(experiment);
    expect(back.runs.map((r) => r.status)).toEqual(['KILLED', 'KILLED']);
    for (const r of back.runs) {
      const journaled = journals.find((j) => j.identity === r.tags['dap.identity'])!;
      expect(r.history.loss, r.run_name).toHaveLength(journaled.points.loss!.length);
    }
  }, 240_000);
});

describe('max_parallel in dap run --local', () => {
  it('at most max_parallel runs of an experiment execute at once (gitlab-ci-local ignores resource_group)', async () => {
    const { runOp } = await import('../../src/ops/run-selected.js');
    const { findJournals } = await import('../../src/tracking/journal-finder.js');
    const { summarizeJournal } = await import('../../src/tracking/run-summary.js');
    const spec = `name: capped
environment: python
command: ["python3", "-c", "import time; time.sleep(1.5)", "{{ params.i }}"]
sweep:
  grid: { i: [1, 2, 3, 4, 5] }
  max_parallel: 2
`;
    const dir = await tempRepo({ '.gitignore': '.dap/\n', 'experiments/capped.yaml': spec }, 'dap-capped-');
    try {
      const res = await runOp({ root: dir, experiments: [], env: jobEnv({}) });
      expect(res.passed).toBe(true);
      const runs = findJournals(res.journalDir).map((f) => summarizeJournal(f)!);
      expect(runs).toHaveLength(5);
      // the most runs alive at any run's start
      const overlap = Math.max(...runs.map((r) => runs.filter((o) => o.startTime <= r.startTime && (o.endTime ?? Infinity) > r.startTime).length));
      expect(overlap).toBe(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
