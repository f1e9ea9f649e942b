import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dap, tmpDir } from './helpers.js';

// The embedded default: no MLflow configured, runs stay in .dap/journal and `dap runs` compares them.

const SCRIPT = `
import json, os, sys
lr = float(json.load(open(os.environ["DAP_PARAMS_FILE"]))["lr"])
with open(os.environ["DAP_METRICS_FILE"], "a") as f:
    for step in range(4):
        f.write(json.dumps({"step": step, "val_loss": abs(lr - 0.05) + 1.0 / (step + 1), "acc": lr * step}) + "\\n")
sys.exit(1 if lr > 0.5 else 0)
`;

describe('dap runs (journal only)', () => {
  it('lists runs with params, last/best metrics and rank by the spec\'s primary metric', async () => {
    const project = tmpDir('runs');
    fs.mkdirSync(path.join(project, 'experiments'));
    fs.writeFileSync(path.join(project, 'experiments/lr.yaml'), 'name: lr\nmetrics: {primary: val_loss, goal: minimize}\n');
    fs.writeFileSync(path.join(project, 'train.py'), SCRIPT);
    const lrs = [0.01, 0.05, 0.1, 0.9];
    for (const [i, lr] of lrs.entries()) {
      fs.writeFileSync(path.join(project, `p${i}.json`), JSON.stringify({ lr }));
      const r = await dap(['track', '--', 'python3', 'train.py'], {
        cwd: project,
        env: { DAP_EXPERIMENT: 'lr', DAP_RUN_KEY: `key${i}`, DAP_RUN_INDEX: String(i), DAP_PARAMS_FILE: `p${i}.json`, DAP_SPEC_FILE: 'experiments/lr.yaml' },
      });
      expect(r.code).toBe(lr > 0.5 ? 1 : 0);
      expect(r.stderr).toMatch(/no MLFLOW_TRACKING_URI: the run stays in the journal/);
    }
    const json = await dap(['runs', '--json'], { cwd: project });
    expect(json.code, json.stderr).toBe(0);
    const runs = JSON.parse(json.stdout) as Array<{ runKey: string; rank?: number; status: string; params: Record<string, string>; metrics: Record<string, { last: number; best: number }>; shippedTo: string[] }>;
    expect(runs).toHaveLength(4);
    expect(runs.map((r) => r.runKey)).toEqual(['key1', 'key0', 'key2', 'key3']); // best val_loss first
    expect(runs.map((r) => r.rank)).toEqual([1, 2, 3, 4]);
    expect(runs[0]!.metrics.val_loss!.best).toBeCloseTo(0.25);
    expect(runs[0]!.metrics.val_loss!.last).toBeCloseTo(0.25);
    expect(runs[0]!.metrics.acc!.last).toBeCloseTo(0.15);
    expect(runs[3]!.status).toBe('FAILED');
    expect(runs[0]!.params).toEqual({ lr: '0.05' });
    expect(runs.every((r) => r.shippedTo.length === 0)).toBe(true);

    const table = await dap(['runs'], { cwd: project });
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toBe('experiment lr (ranked by val_loss, minimize)');
    expect(lines[1]).toMatch(/^#\s+run\s+status\s+lr\s+val_loss \(best\*\)\s+acc \(last\/best\)\s+mlflow$/);
    expect(lines[2]).toMatch(/^1\s+1:key1\s+FINISHED\s+0\.05\s+0\.25\s+0\.15\/0\.15\s+local$/);
    expect(lines[5]).toMatch(/^4\s+3:key3\s+FAILED\(1\)/);

    const other = await dap(['runs', '--experiment', 'nope'], { cwd: project });
    expect(other.stdout).toMatch(/no runs in/);
    const missing = await dap(['runs', '--dir', 'does-not-exist'], { cwd: project });
    expect(missing.code).toBe(2);
  });
});
