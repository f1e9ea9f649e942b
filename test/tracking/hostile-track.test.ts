import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MLFLOW_URI, dap, readBack, requireMlflow, tmpDir, uniqueName } from './helpers.js';

// `dap track` with hostile or broken input from the job itself: points MLflow cannot store, metric
// files that are not files, artifacts that point out of the job's directory, a command that cannot
// be executed. The run always gets its status, valid points always land, nothing leaks out.

function files(dir: string, entries: Record<string, string>): void {
  for (const [name, text] of Object.entries(entries)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
}

const journalDirOf = (dir: string) => path.join(dir, '.dap', 'journal');

describe('dap track with hostile input (real MLflow)', () => {
  beforeAll(async () => {
    await requireMlflow();
  });

  it('points with a step or timestamp MLflow cannot store are dropped one by one, with their line; every valid point lands', async () => {
    const exp = uniqueName('track-range');
    const dir = tmpDir('track-range');
    files(dir, {
      'train.py': [
        'import os',
        'f = open(os.environ["DAP_METRICS_FILE"], "a")',
        'f.write(\'{"key":"loss","value":0.9,"step":0}\\n\')',
        'f.write(\'{"key":"loss","value":0.8,"step":9223372036854775808}\\n\')', // beyond int64
        'f.write(\'{"key":"loss","value":0.7,"step":1,"timestamp":1e19}\\n\')', // far in the future
        'f.write(\'{"key":"loss","value":0.6,"step":2}\\n\')',
        'f.write(\'{"step":3,"loss":0.5,"acc":NaN}\\n\')',
        'f.close()',
      ].join('\n'),
    });
    const r = await dap(['track', '--experiment', exp, '--', 'python3', 'train.py'], { cwd: dir, env: { MLFLOW_TRACKING_URI: MLFLOW_URI } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: \.dap\/metrics\.jsonl:2: the step 9223372036854776000 is beyond/);
    expect(r.stderr).toMatch(/warning: \.dap\/metrics\.jsonl:3: the timestamp 10000000000000000000 is beyond/);
    expect(r.stderr).toMatch(/skipped 2 point\(s\) with a step or timestamp MLflow cannot store/);
    const run = (await readBack(exp)).runs[0]!;
    expect(run.status).toBe('FINISHED');
    expect(run.history.loss!.map(([s, v]) => [s, v])).toEqual([[0, 0.9], [2, 0.6], [3, 0.5]]);
    // the dropped far-future timestamp did not drag the later points along
    for (const [, , ts] of run.history.loss!) expect(ts).toBeLessThan(Date.now() + 60_000);
    expect(run.history.acc!.map(([, v]) => v)).toEqual(['nan']);
  });

  it('a metrics file that is a directory, and a $DAP_METRICS_FILE that is one: warnings, the run still gets its status, no lock is left', async () => {
    const exp = uniqueName('track-eisdir');
    const dir = tmpDir('track-eisdir');
    fs.mkdirSync(path.join(dir, 'metrics.json'));
    fs.mkdirSync(path.join(dir, 'stream.jsonl'));
    files(dir, { 'history.csv': 'epoch,loss\n0,0.5\n1,0.4\n2,0.' }); // truncated mid-row: the rest still counts
    const r = await dap(['track', '--experiment', exp, '--metric-file', 'metrics.json', '--metric-file', 'history.csv', '--metrics-file', 'stream.jsonl', '--', 'sh', '-c', 'sleep 0.5; exit 3'], {
      cwd: dir, env: { MLFLOW_TRACKING_URI: MLFLOW_URI },
    });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/warning: cannot read the metrics stream stream\.jsonl: it is not a regular file/);
    expect(r.stderr).toMatch(/warning: declared metrics file metrics\.json was not read: it is not a regular file/);
    const run = (await readBack(exp)).runs[0]!;
    expect(run.status).toBe('FAILED');
    expect(run.history.loss!.map(([s, v]) => [s, v])).toEqual([[0, 0.5], [1, 0.4], [2, 0]]);
    expect(fs.readdirSync(journalDirOf(dir)).filter((f) => f.endsWith('.lock'))).toEqual([]);
  });

  it('artifacts whose real path leaves the job directory (a symlink, a glob through one) are not uploaded', async () => {
    const exp = uniqueName('track-symlink');
    const dir = tmpDir('track-symlink');
    const secret = path.join(tmpDir('outside'), 'secret.txt');
    fs.writeFileSync(secret, 'do-not-upload');
    files(dir, { 'out/model.txt': 'weights' });
    fs.symlinkSync(secret, path.join(dir, 'out', 'secret-link.txt'));
    fs.symlinkSync(path.dirname(secret), path.join(dir, 'outside-dir'));
    const r = await dap(['track', '--experiment', exp, '--artifact', 'out', '--artifact', 'outside-dir/*', '--artifact', 'out/*.txt', '--', 'true'], {
      cwd: dir, env: { MLFLOW_TRACKING_URI: MLFLOW_URI },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: artifact outside-dir\/secret\.txt resolves outside the job's directory/);
    expect(r.stderr).toMatch(/warning: artifact out\/secret-link\.txt resolves outside the job's directory/);
    const run = (await readBack(exp)).runs[0]!;
    expect(run.artifacts.map((a) => a.path).sort()).toEqual(['out/model.txt']);
  });
});

describe('dap track refuses paths that leave the job directory, and exits like a shell', () => {
  it.each([
    [['--artifact', '/etc/passwd'], /--artifact \/ DAP_ARTIFACTS \(artifacts\.paths\): "\/etc\/passwd" is absolute/],
    [['--artifact', '../../root/.ssh'], /"\.\.\/\.\.\/root\/\.ssh" contains "\.\."/],
    [['--metric-file', '~/.aws/credentials'], /--metric-file \/ DAP_METRIC_FILES \(metrics\.files\): "~\/\.aws\/credentials" starts with "~"/],
  ])('%j: usage error (exit 2), the command is not run', async (flags, message) => {
    const dir = tmpDir('track-paths');
    const r = await dap(['track', '--experiment', 'e', ...(flags as string[]), '--', 'touch', 'ran'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
    expect(fs.existsSync(path.join(dir, 'ran'))).toBe(false);
  });

  it('a command that exists but cannot be executed (EACCES) exits 126; one that does not exist 127', async () => {
    const dir = tmpDir('track-eacces');
    files(dir, { 'train.sh': '#!/bin/sh\necho hi\n' });
    fs.chmodSync(path.join(dir, 'train.sh'), 0o644);
    const r = await dap(['track', '--experiment', 'e', '--', './train.sh'], { cwd: dir });
    expect(r.stderr).toMatch(/cannot start \.\/train\.sh: .*EACCES/);
    expect(r.code).toBe(126);
    const missing = await dap(['track', '--experiment', 'e', '--', './nope.sh'], { cwd: dir });
    expect(missing.code).toBe(127);
  });
});
