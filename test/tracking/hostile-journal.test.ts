import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journalFileName } from '../../src/tracking/journal.js';
import { startFakeGitlab, type FakeGitlab } from '../fakes/gitlab-server.js';
import { MLFLOW_URI, dap, minioKeys, readBack, requireMlflow, tmpDir, uniqueName, zipOf } from './helpers.js';

// Journals come from job artifacts, so anyone who can push a branch can forge one. A forged journal
// must not make `dap sync` upload the sync host's own files, and one bad item in it must cost only
// that item: everything else lands, the losses are counted, and the exit code says so.

/** A secret of the machine that runs `dap sync`, outside any journal's tree. */
function hostSecret(): { file: string; content: string } {
  const content = `TOP-SECRET-${Math.random().toString(36).slice(2)}`;
  const file = path.join(tmpDir('host-secret'), 'id_ed25519');
  fs.writeFileSync(file, content);
  return { file, content };
}

/** Writes a journal as the artifacts of a job would carry it: <root>/.dap/journal/<file>. */
function writeJournal(root: string, identity: string, lines: unknown[], tail = ''): string {
  const dir = path.join(root, '.dap', 'journal');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, journalFileName(identity));
  fs.writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n' + tail);
  return file;
}

/** The forged journal: a legitimate file plus four ways of naming the host's secret. */
function forgedArtifacts(root: string, exp: string, identity: string, secret: string): string {
  fs.mkdirSync(path.join(root, 'out'), { recursive: true });
  fs.writeFileSync(path.join(root, 'out', 'model.txt'), 'weights');
  fs.symlinkSync(secret, path.join(root, 'out', 'link.txt'));
  const journal = path.join(root, '.dap', 'journal', journalFileName(identity));
  return writeJournal(root, identity, [
    // workdir "/" and journalPath = where it will be found: "resolve against the job's directory" would mean "/"
    { t: 'open', v: 1, identity, experiment: exp, runName: 'forged', time: Date.now(), workdir: '/', journalPath: journal },
    { t: 'params', params: { lr: '0.1' } },
    { t: 'metrics', points: [{ k: 'loss', v: 0.5, s: 0, ts: 1_700_000_000_000 }] },
    { t: 'artifact', path: secret, dest: 'stolen-absolute' },
    { t: 'artifact', path: `../../../../../../../..${secret}`, dest: 'stolen-dotdot' },
    { t: 'artifact', path: secret.slice(1), dest: 'stolen-workdir' },
    { t: 'artifact', path: 'out/link.txt', dest: 'stolen-symlink' },
    { t: 'artifact', path: 'out/model.txt', dest: 'out/model.txt' },
    { t: 'status', status: 'FINISHED', time: Date.now(), exitCode: 0 },
  ]);
}

async function storedObjects(exp: string): Promise<{ artifacts: string[]; objects: string[] }> {
  const back = await readBack(exp);
  expect(back.count).toBe(1);
  const run = back.runs[0]!;
  return { artifacts: run.artifacts.map((a) => a.path).sort(), objects: await minioKeys(`${run.experiment_id}/${run.run_id}/`) };
}

function expectRefusals(stderr: string): void {
  expect(stderr).toMatch(/line 4: artifact source ".*id_ed25519" resolves outside .*; refused/);
  expect(stderr).toMatch(/line 5: artifact source "\.\.\/\.\.\/.*" resolves outside/);
  expect(stderr).toMatch(/line 6: artifact source ".*" resolves outside/);
  expect(stderr).toMatch(/line 7: artifact source "out\/link\.txt" resolves outside/);
  expect(stderr).toMatch(/partial \(1 points, 1 params, 0 tags, 1 files, status; 4 lost: 4 artifact\(s\) outside the journal's tree\)/);
}

describe('forged journals never make dap sync upload files of the machine it runs on', () => {
  let gitlab: FakeGitlab | undefined;
  beforeAll(async () => {
    await requireMlflow();
  });
  afterAll(async () => {
    await gitlab?.close();
  });

  it('--from-artifacts: absolute, "..", a "/" workdir and a symlink out are refused with their line; the rest ships; exit 1', async () => {
    const exp = uniqueName('forged-artifacts');
    const secret = hostSecret();
    const artifacts = tmpDir('forged');
    forgedArtifacts(artifacts, exp, `${exp}|forged`, secret.file);
    const r = await dap(['sync', '--from-artifacts', artifacts], { cwd: tmpDir('sync-cwd'), env: { MLFLOW_TRACKING_URI: MLFLOW_URI } });
    expect(r.code, r.stderr).toBe(1);
    expectRefusals(r.stderr);
    expect(r.stderr).toMatch(/dap sync: 4 item\(s\) in 1 journal\(s\) will never reach MLflow/);
    expect(r.stdout).toMatch(/shipped 0\/1 journal\(s\), 1 in part \(items lost\)/);
    const { artifacts: listed, objects } = await storedObjects(exp);
    expect(listed).toEqual(['out/model.txt']);
    expect(objects.map((o) => o.replace(/^.*\/artifacts\//, ''))).toEqual(['out/model.txt']);
    expect(r.stderr + r.stdout).not.toContain(secret.content);
  });

  it('--pipeline (fake GitLab): the same journal inside a job archive; only the job\'s own file lands', async () => {
    const exp = uniqueName('forged-pipeline');
    const secret = hostSecret();
    const job = tmpDir('forged-job');
    forgedArtifacts(job, exp, `${exp}|forged`, secret.file);
    gitlab = await startFakeGitlab({
      tokens: ['glpat-good'],
      projects: [{ id: 7, path: 'g/p', pipelines: [{ id: 900, jobs: [{ id: 9001, name: 'train', archive: await zipOf(job, ['.dap', 'out']) }] }] }],
    });
    const cwd = tmpDir('sync-pipeline-cwd');
    // a file of the sync host's own project, next to where the archives are unpacked
    fs.writeFileSync(path.join(cwd, 'deploy-key'), secret.content);
    const r = await dap(['sync', '--pipeline', '900', '--project', 'g/p'], {
      cwd, env: { MLFLOW_TRACKING_URI: MLFLOW_URI, GITLAB_URL: gitlab.url, GITLAB_TOKEN: 'glpat-good' },
    });
    expect(r.code, r.stderr).toBe(1);
    // the symlink is not in the archive: its line names a file that is simply not there
    expect(r.stderr).toMatch(/line 4: artifact source ".*id_ed25519" resolves outside .*job-9001; refused/);
    expect(r.stderr).toMatch(/line 5: artifact source "\.\.\/\.\.\/.*" resolves outside/);
    const { artifacts: listed, objects } = await storedObjects(exp);
    expect(listed).toEqual(['out/model.txt']);
    expect(objects.map((o) => o.replace(/^.*\/artifacts\//, ''))).toEqual(['out/model.txt']);
  });
});

describe('one bad item costs only itself', () => {
  beforeAll(async () => {
    await requireMlflow();
  });

  it('points MLflow cannot store are dropped with their line, every valid point lands, the sync says how many were lost (exit 1)', async () => {
    const exp = uniqueName('bad-points');
    const root = tmpDir('bad-points');
    const id = `${exp}|bad`;
    const journal = writeJournal(root, id, [
      { t: 'open', v: 1, identity: id, experiment: exp, runName: 'bad', time: 1_700_000_000_000, workdir: root },
      { t: 'metrics', points: [
        { k: 'loss', v: 0.9, s: 0, ts: 1_700_000_000_000 },
        { k: 'loss', v: 0.8, s: 2 ** 63, ts: 1_700_000_000_001 }, // beyond MLflow's int64
        { k: 'loss', v: 0.7, s: 2, ts: 1e19 }, // a timestamp far in the future
        { k: 'bad key!', v: 1, s: 0, ts: 1_700_000_000_000 },
        { k: 'acc', v: 'NaN', s: 0, ts: 1_700_000_000_000 }, // NaN is legal
        { k: 'acc', v: 'Infinity', s: 1, ts: 1_700_000_000_001 }, // stored as MLflow stores it
        { k: 'loss', v: 0.6, s: 3, ts: 1_700_000_000_003 },
      ] },
      { t: 'status', status: 'FINISHED', time: 1_700_000_001_000, exitCode: 0 },
    ]);
    const env = { MLFLOW_TRACKING_URI: MLFLOW_URI };
    const r = await dap(['sync', path.dirname(journal)], { cwd: root, env });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/line 2: metric "loss" step 9223372036854776000 .*: the step 9223372036854776000 is beyond/);
    expect(r.stderr).toMatch(/line 2: metric "loss" step 2 timestamp 10000000000000000000 .*: the timestamp .* is beyond/);
    expect(r.stderr).toMatch(/line 2: metric "bad key!" .*: keys may only contain/);
    expect(r.stderr).toMatch(/: partial \(4 points, 0 params, 0 tags, 0 files, status; 3 lost: 3 point\(s\) MLflow cannot store\)/);
    expect(r.stderr).not.toMatch(/: shipped \(/);
    const run = (await readBack(exp)).runs[0]!;
    expect(run.status).toBe('FINISHED');
    expect(run.history.loss!.map(([s, v]) => [s, v])).toEqual([[0, 0.9], [3, 0.6]]);
    expect(run.history.acc!.map(([s, v]) => [s, v])).toEqual([[0, 'nan'], [1, 1.7976931348623157e308]]);

    // shipped again from scratch (the cursor lost): the Infinity point is an exact duplicate, nothing fails
    for (const f of fs.readdirSync(path.dirname(journal))) if (f.endsWith('.cursor.json')) fs.rmSync(path.join(path.dirname(journal), f));
    const again = await dap(['sync', path.dirname(journal)], { cwd: root, env });
    expect(again.stderr).toMatch(/: partial \(4 points, .*3 lost/);
    expect(again.stderr).not.toMatch(/MLflow refused/);
    const after = (await readBack(exp)).runs[0]!;
    expect(after.history.acc).toHaveLength(2);
    expect(after.history.loss).toHaveLength(2);
  });

  it('a batch MLflow refuses is halved until exactly the refused item is known; the others land', async () => {
    const exp = uniqueName('bisect');
    const root = tmpDir('bisect');
    const id = `${exp}|bisect`;
    const params = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`p${i}`, String(i)]));
    const journal = writeJournal(root, id, [
      { t: 'open', v: 1, identity: id, experiment: exp, runName: 'bisect', time: 1_700_000_000_000, workdir: root },
      { t: 'params', params: { lr: '0.1' } },
      { t: 'status', status: 'RUNNING', time: 1_700_000_000_500 },
      // MLflow refuses to change a logged param: the whole log-batch fails on that one
      { t: 'params', params: { ...params, lr: '0.2' } },
      { t: 'status', status: 'FINISHED', time: 1_700_000_001_000, exitCode: 0 },
    ]);
    const r = await dap(['sync', path.dirname(journal)], { cwd: root, env: { MLFLOW_TRACKING_URI: MLFLOW_URI } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/MLflow refused params\/tags before byte \d+: param "lr": .*INVALID_PARAMETER_VALUE/);
    expect(r.stderr).toMatch(/partial \(0 points, 10 params, .*1 lost: 1 param\(s\) MLflow refused\)/);
    const run = (await readBack(exp)).runs[0]!;
    expect(run.params).toEqual({ ...params, lr: '0.1' });
    expect(run.status).toBe('FINISHED');
  });

  it('a journal cut off in the middle of a line: the cut is reported, every complete event before it ships, status included', async () => {
    const exp = uniqueName('cut');
    const root = tmpDir('cut');
    const id = `${exp}|cut`;
    const journal = writeJournal(root, id, [
      { t: 'open', v: 1, identity: id, experiment: exp, runName: 'cut', time: 1_700_000_000_000, workdir: root },
      { t: 'params', params: { lr: '0.1' } },
      { t: 'metrics', points: [{ k: 'loss', v: 0.5, s: 0, ts: 1_700_000_000_000 }, { k: 'loss', v: 0.4, s: 1, ts: 1_700_000_000_001 }] },
      { t: 'status', status: 'FAILED', time: 1_700_000_001_000, exitCode: 137 },
    ], '{"t":"metrics","points":[{"k":"loss","v":0.3,"s":2,"ts":17000000');
    const r = await dap(['sync', path.dirname(journal)], { cwd: root, env: { MLFLOW_TRACKING_URI: MLFLOW_URI } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/line 5: the journal ends in the middle of a line \(\d+ bytes without a newline: cut off by a crash or a full disk\); every complete event before it was shipped/);
    expect(r.stderr).toMatch(/partial \(2 points, 1 params, 0 tags, 0 files, status; 1 lost: 1 cut-off journal line\(s\)\)/);
    const run = (await readBack(exp)).runs[0]!;
    expect(run.status).toBe('FAILED');
    expect(run.history.loss).toHaveLength(2);
    expect(run.params).toEqual({ lr: '0.1' });
  });
});
