// The example pipeline (experiments/toy-regression.yaml, a 6-run sweep) run end to end the way a
// user runs it: `dap generate`, commit, `dap run --local` on real gitlab-ci-local, every job
// wrapped in `dap track`, shipping to the real MLflow server (Postgres + MinIO). Everything is
// read back with the MLflow *Python* client and boto3, and compared with what dap planned and
// with what the jobs wrote (their metrics files and journals) — nothing is hard-coded.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOp } from '../../src/ops/run-selected.js';
import { syncOp } from '../../src/ops/sync.js';
import { MLFLOW_URI, minioKeys, readBack, requireMlflow, uniqueName, type ReadbackRun } from '../tracking/helpers.js';
import { exampleRepo, jobEnv, pipelineStateFile, type ExampleRepo } from './support/example-repo.js';
import { pointKeys, readJournals, type JournaledRun } from './support/journals.js';

// A local run must not record GitLab values gitlab-ci-local makes up (or that leak from the shell):
// this one would show up as dap.image if it did.
const JOB_IMAGE = 'registry.example.com/e2e/dap/env-python:latest';

const param = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

describe('dap run --local of the example against the real MLflow', () => {
  let repo: ExampleRepo;
  let journalDir: string;
  let firstJournals: JournaledRun[];
  let first: ReadbackRun[];
  const log: string[] = [];
  const env = () => jobEnv({ MLFLOW_TRACKING_URI: MLFLOW_URI, CI_JOB_IMAGE: JOB_IMAGE });
  const run = async () => {
    log.length = 0;
    const res = await runOp({ root: repo.root, experiments: [], env: env(), onLine: (l) => log.push(l) });
    const failed = res.jobs.filter((j) => j.status !== 'passed').map((j) => j.name);
    expect(res.passed, `jobs not passed: ${failed.join(', ')}\n${log.slice(-40).join('\n')}`).toBe(true);
    journalDir = res.journalDir;
    return res;
  };
  const quiet = () => new Writable({ write: (_c, _e, cb) => cb() });

  beforeAll(async () => {
    await requireMlflow();
    repo = await exampleRepo(uniqueName('e2e-local'));
  }, 60_000);
  afterAll(() => {
    if (repo) fs.rmSync(repo.root, { recursive: true, force: true });
  });

  it('one MLflow run per planned run, with params, lineage tags, step histories and artifacts in MinIO', async () => {
    expect(fs.existsSync(pipelineStateFile(repo.root))).toBe(false); // the replay below restores this
    const res = await run();
    expect(res.jobs.filter((j) => j.trigger).length).toBe(repo.plan.runs.length);

    firstJournals = readJournals(journalDir);
    expect(firstJournals).toHaveLength(repo.plan.runs.length);
    const back = await readBack(repo.experiment);
    first = back.runs;
    expect(back.count).toBe(repo.plan.runs.length);

    const pipelineIds = new Set(first.map((r) => r.tags['dap.pipeline_id']));
    expect(pipelineIds.size).toBe(1);
    const pipelineId = [...pipelineIds][0]!;
    expect(pipelineId).toBe(res.pipelineId);
    expect(pipelineId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);

    for (const planned of repo.plan.runs) {
      const matches = first.filter((r) => r.tags['dap.run_key'] === planned.key);
      expect(matches, `MLflow runs for run key ${planned.key}`).toHaveLength(1);
      const r = matches[0]!;
      const where = `run ${planned.index} (${planned.key})`;
      expect(r.status, where).toBe('FINISHED');
      expect(r.params, where).toEqual(Object.fromEntries(Object.entries(planned.params).map(([k, v]) => [k, param(v)])));

      // lineage
      const dapRun = `r${planned.index}-${planned.key.slice(0, 8)}`;
      const t = r.tags;
      expect(t['dap.run'], where).toBe(dapRun);
      expect(t['dap.run_index'], where).toBe(String(planned.index));
      expect(t['mlflow.source.git.commit'], where).toBe(repo.head);
      expect(t['mlflow.source.git.branch'], where).toBe('main');
      expect(t['dap.job_name'], where).toMatch(new RegExp(`^toy-regression lane \\d/\\d: \\[${dapRun}\\]$`));
      expect(r.run_name, where).toBe(t['dap.job_name']);
      expect(t['dap.identity'], where).toBe(`${planned.key}|local:${pipelineId}|job:${t['dap.job_name']}`);
      // what is true of a local run, and nothing gitlab-ci-local makes up
      expect(t['dap.source'], where).toBe('local');
      expect(t['mlflow.user'], where).toBe('dap test'); // git's user.name in the repository
      expect(t['mlflow.source.git.repoURL'], where).toBeUndefined(); // the repository has no remote
      for (const made of ['dap.job_id', 'dap.job_url', 'dap.pipeline_url', 'dap.project', 'dap.runner', 'dap.image']) expect(t[made], `${where}: ${made}`).toBeUndefined();
      expect(t['dap.spec_file'], where).toBe(repo.plan.specFile);
      expect(t['mlflow.source.name'], where).toBe(repo.plan.specFile);
      expect(t['dap.spec_hash'], where).toBe(repo.plan.specHash);
      expect(t['dap.experiment'], where).toBe(repo.plan.spec.name);

      // step histories: what the training script wrote, once per step
      const written = scriptMetrics(repo.root, dapRun);
      const epochs = Number(planned.params.epochs);
      expect(written.val_loss, `${where}: the script's metrics file`).toHaveLength(epochs);
      for (const [key, pts] of Object.entries(written)) {
        const h = r.history[key];
        expect(h, `${where}: history of ${key}`).toBeDefined();
        expect(h!.map(([s, v]) => [s, v]).sort((a, b) => Number(a[0]) - Number(b[0])), `${where}: ${key}`).toEqual(pts);
      }
      // ... and every journaled point (also the end-of-run metrics.json) exactly once
      const journal = firstJournals.find((j) => j.identity === t['dap.identity']);
      expect(journal, `${where}: journal`).toBeDefined();
      expect(Object.keys(r.history).sort(), where).toEqual(Object.keys(journal!.points).sort());
      for (const [key, pts] of Object.entries(journal!.points)) expect(pointKeys(r.history[key]!), `${where}: ${key}`).toEqual(pointKeys(pts));

      // artifacts: what the job left in its declared artifact paths, through MLflow and in MinIO
      const produced = jobArtifacts(repo.root, dapRun);
      expect(produced.length, `${where}: files the job produced`).toBeGreaterThan(0);
      expect(r.artifacts.map((a) => [a.path, a.size]).sort(), where).toEqual(produced);
      const prefix = `${r.experiment_id}/${r.run_id}/artifacts/`;
      expect(await minioKeys(prefix), `${where}: MinIO objects`).toEqual(produced.map(([p]) => prefix + p).sort());
    }
  }, 180_000);

  it('syncing the same journals again, with and without their cursors, adds nothing', async () => {
    const sync = () => syncOp({ dirs: [journalDir], cwd: repo.root, env: env(), stderr: quiet() });
    const again = await sync();
    expect(again.exitCode).toBe(0);
    expect(again.journals.map((j) => j.outcome)).toEqual(firstJournals.map(() => 'shipped'));

    for (const f of fs.readdirSync(journalDir)) if (f.endsWith('.cursor.json')) fs.rmSync(path.join(journalDir, f));
    const fromScratch = await sync();
    expect(fromScratch.exitCode).toBe(0);
    expect(fromScratch.journals.reduce((n, j) => n + (j.counts?.metrics ?? 0), 0)).toBeGreaterThan(0); // really re-sent

    const back = await readBack(repo.experiment);
    expect(back.count).toBe(repo.plan.runs.length);
    expect(histories(back.runs)).toEqual(histories(first));
    expect(back.runs.map((r) => r.run_id).sort()).toEqual(first.map((r) => r.run_id).sort());
  }, 120_000);

  it('the same sweep run in a second clone (gitlab-ci-local numbering from scratch) makes runs of its own', async () => {
    const before = await readBack(repo.experiment);
    const clone = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-e2e-clone-'));
    execFileSync('git', ['clone', '-q', repo.root, clone]);
    try {
      const res = await runOp({ root: clone, experiments: [], env: env(), onLine: (l) => log.push(l) });
      expect(res.passed, log.slice(-40).join('\n')).toBe(true);
      // both gitlab-ci-local states started from scratch: their CI_PIPELINE_IDs are the same number
      expect(fs.readFileSync(pipelineStateFile(clone), 'utf8')).toBe(fs.readFileSync(pipelineStateFile(repo.root), 'utf8'));
      const back = await readBack(repo.experiment);
      expect(back.count).toBe(2 * repo.plan.runs.length);
      const old = new Set(before.runs.map((r) => r.run_id));
      const fresh = back.runs.filter((r) => !old.has(r.run_id));
      expect(new Set(fresh.map((r) => r.tags['dap.pipeline_id']))).toEqual(new Set([res.pipelineId]));
      expect(res.pipelineId).not.toBe(before.runs[0]!.tags['dap.pipeline_id']);
      // one execution per run: the first clone's runs kept their points, the second's have one point per step
      expect(histories(back.runs.filter((r) => old.has(r.run_id)))).toEqual(histories(before.runs));
      for (const r of fresh) {
        const steps = r.history.val_loss!.map(([s]) => s);
        expect([steps.length, new Set(steps).size], r.run_name).toEqual([Number(r.params.epochs), Number(r.params.epochs)]);
      }
    } finally {
      fs.rmSync(clone, { recursive: true, force: true });
    }
  }, 180_000);

  it('a new pipeline makes new runs and leaves the earlier ones alone', async () => {
    const before = await readBack(repo.experiment);
    await run();
    const back = await readBack(repo.experiment);
    expect(back.count).toBe(before.count + repo.plan.runs.length);
    const old = new Set(before.runs.map((r) => r.run_id));
    const fresh = back.runs.filter((r) => !old.has(r.run_id));
    expect(fresh).toHaveLength(repo.plan.runs.length);
    expect(new Set(fresh.map((r) => r.tags['dap.pipeline_id'])).size).toBe(1);
    expect(before.runs.map((r) => r.tags['dap.pipeline_id'])).not.toContain(fresh[0]!.tags['dap.pipeline_id']);
    expect(fresh.map((r) => r.tags['dap.run_key']).sort()).toEqual(repo.plan.runs.map((p) => p.key).sort());
    expect(histories(back.runs.filter((r) => old.has(r.run_id)))).toEqual(histories(before.runs));
    for (const r of fresh) expect(r.history.val_loss, r.run_name).toHaveLength(Number(r.params.epochs));
  }, 180_000);
});

/** per run id, per metric key, the sorted points */
function histories(runs: ReadbackRun[]): Record<string, Record<string, string[]>> {
  return Object.fromEntries(runs.map((r) => [r.run_id, Object.fromEntries(Object.entries(r.history).map(([k, h]) => [k, pointKeys(h)]))]));
}

/** The job's artifact directory as gitlab-ci-local kept it (its sanitized job name ends with the run). */
function jobArtifactDir(root: string, dapRun: string): string {
  const base = path.join(root, '.dap', 'local', 'gitlab-ci-local', 'artifacts');
  const dirs = fs.readdirSync(base).filter((d) => fs.existsSync(path.join(base, d, '.dap', 'params', `${dapRun}.json`)));
  if (dirs.length !== 1) throw new Error(`expected one artifact dir of run ${dapRun} under ${base}, found ${dirs.join(', ') || 'none'}`);
  return path.join(base, dirs[0]!);
}

/** What the training script appended to $DAP_METRICS_FILE: per key, [step, value] in step order. */
function scriptMetrics(root: string, dapRun: string): Record<string, Array<[number, number]>> {
  const file = path.join(jobArtifactDir(root, dapRun), '.dap', 'metrics', `${dapRun}.jsonl`);
  const out: Record<string, Array<[number, number]>> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const { step, ...metrics } = JSON.parse(line) as Record<string, number>;
    for (const [k, v] of Object.entries(metrics)) (out[k] ??= []).push([step!, v]);
  }
  for (const pts of Object.values(out)) pts.sort((a, b) => a[0] - b[0]);
  return out;
}

/** The files of the job's declared artifact paths ([path, size], sorted), i.e. without dap's own .dap/. */
function jobArtifacts(root: string, dapRun: string): Array<[string, number]> {
  const dir = jobArtifactDir(root, dapRun);
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
    .filter((p) => !p.startsWith('.dap'))
    .map((p): [string, number] => [p, fs.statSync(path.join(dir, p)).size])
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
}
