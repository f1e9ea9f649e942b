// Nothing lost, nothing duplicated, on a bad link: the example pipeline runs with MLflow down
// (the jobs still pass, the runs stay in the journal and `dap runs` lists them), then `dap sync`
// ships the journals through a proxy that answers 5xx, resets connections before and after the
// server handled a request, and answers slowly (past the client's timeout, and within it) — while
// the MLflow server behind it is restarted in the middle of the sync. The sync may give up with
// "unreachable" (exit 3) while the server is down; it is run again until it succeeds. Afterwards
// the MLflow Python client must show every journaled point exactly once, and nothing else.

import fs from 'node:fs';
import type http from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnavailableError } from '../../src/errors.js';
import { runOp } from '../../src/ops/run-selected.js';
import { syncOp, type SyncResult } from '../../src/ops/sync.js';
import { closedPort, startFaultProxy, type Fault, type FaultProxy } from '../support/fault-proxy.js';
import { dap, readBack, requireMlflow, uniqueName } from '../tracking/helpers.js';
import { startDedicatedMlflow, type DedicatedMlflow } from './support/dedicated-mlflow.js';
import { exampleRepo, jobEnv, type ExampleRepo } from './support/example-repo.js';
import { pointKeys, readJournals, type JournaledRun } from './support/journals.js';

// more epochs than the example's 40, so each journal needs several log-batch requests
const EPOCHS = 600;
const CLIENT_TIMEOUT_S = 1;

/**
 * Per endpoint, a fixed cycle: every kind of fault hits every kind of call (create, search,
 * log-batch, update, artifact upload…), including answers lost after the server acted. Faults are
 * spaced by passes so that the client's retries, not luck, decide whether a request gets through.
 */
const P: Fault = { kind: 'pass' };
const CYCLE: Fault[] = [
  { kind: 'reset-after' }, P, P,
  { kind: 'status', status: 503 }, P,
  { kind: 'slow', delayMs: CLIENT_TIMEOUT_S * 1000 + 700 }, P, P, // the client gives up; the server did the work
  { kind: 'reset-before' }, P,
  { kind: 'slow', delayMs: 300 }, P, // slow, answered in time
  { kind: 'status', status: 502 }, P, P,
  { kind: 'status', status: 429, headers: { 'Retry-After': '0' } }, P,
  { kind: 'status', status: 500 }, P, P,
];

describe('dap sync through a faulty link while MLflow restarts', () => {
  let mlflow: DedicatedMlflow | undefined;
  let proxy: FaultProxy | undefined;
  let repo: ExampleRepo;
  let journals: JournaledRun[];
  const perEndpoint = new Map<string, number>();
  const restart: { trigger?: () => void; started?: number; done?: Promise<string>; ended?: number } = {};

  const plan = (_n: number, req: http.IncomingMessage): Fault => {
    const endpoint = `${req.method} ${(req.url ?? '').split('?')[0]!.replace(/\/artifacts\/.*$/, '/artifacts/…')}`;
    const i = perEndpoint.get(endpoint) ?? 0;
    perEndpoint.set(endpoint, i + 1);
    if (endpoint.endsWith('/runs/log-batch') && i === 4) restart.trigger?.();
    return CYCLE[i % CYCLE.length]!;
  };

  beforeAll(async () => {
    await requireMlflow();
    mlflow = await startDedicatedMlflow();
    proxy = await startFaultProxy(mlflow.uri, plan);
    repo = await exampleRepo(uniqueName('e2e-faults'), (spec) => {
      (spec.params as Record<string, unknown>).epochs = EPOCHS;
    });
  }, 300_000);
  afterAll(async () => {
    await proxy?.close();
    await restart.done?.catch(() => undefined);
    await mlflow?.stop();
    if (repo) fs.rmSync(repo.root, { recursive: true, force: true });
  }, 120_000);

  it('with MLflow down the jobs pass, the runs stay journaled, and dap runs lists them', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const log: string[] = [];
    const res = await runOp({ root: repo.root, experiments: [], env: jobEnv({ MLFLOW_TRACKING_URI: dead }), onLine: (l) => log.push(l) });
    expect(res.passed, log.slice(-40).join('\n')).toBe(true);
    expect(log.some((l) => l.includes('127.0.0.1') && /unreachable|not reachable|cannot reach|refused/i.test(l)), 'a warning about the server').toBe(true);

    journals = readJournals(res.journalDir);
    expect(journals).toHaveLength(repo.plan.runs.length);
    for (const j of journals) {
      expect(j.status, j.runName).toBe('FINISHED');
      expect(j.points.val_loss, j.runName).toHaveLength(EPOCHS);
    }

    const listed = await dap(['runs', '--json'], { cwd: repo.root });
    expect(listed.code, listed.stderr).toBe(0);
    const runs = JSON.parse(listed.stdout) as Array<{ identity: string; experiment: string; status: string; params: Record<string, string>; shippedTo: string[] }>;
    expect(runs.map((r) => r.identity).sort()).toEqual(journals.map((j) => j.identity).sort());
    for (const r of runs) {
      expect(r.experiment).toBe(repo.experiment);
      expect(r.status).toBe('FINISHED');
      expect(r.shippedTo).toEqual([]);
      expect(r.params.epochs).toBe(String(EPOCHS));
    }
  }, 180_000);

  it('every journaled point lands exactly once, with params and status', async () => {
    const server = mlflow!;
    restart.trigger = () => {
      restart.trigger = undefined;
      restart.started = Date.now();
      restart.done = server.restart().finally(() => { restart.ended = Date.now(); });
    };
    const env = jobEnv({
      MLFLOW_TRACKING_URI: proxy!.url,
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '8',
      MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.05',
      MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0.05',
      MLFLOW_HTTP_REQUEST_TIMEOUT: String(CLIENT_TIMEOUT_S),
    });
    const stderr: string[] = [];
    const sink = new Writable({ write: (c, _e, cb) => { stderr.push(String(c)); cb(); } });
    const attempts: string[] = [];
    let result: SyncResult | undefined;
    for (let i = 0; i < 12 && !result; i++) {
      try {
        result = await syncOp({ dirs: ['.dap/journal'], cwd: repo.root, env, stderr: sink });
      } catch (e) {
        if (!(e instanceof UnavailableError)) throw e;
        attempts.push(`unreachable: ${e.message}`);
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
    // only what went wrong (not the progress and "shipped" lines), short enough to survive a log tail
    const trouble = stderr.join('').split('\n').filter((l) => l && !/: shipped \(|%/.test(l)).map((l) => l.slice(0, 300)).join('\n').slice(-2000);
    expect(result, `dap sync never succeeded:\n${attempts.join('\n')}\n${trouble}`).toBeDefined();
    expect(result!.exitCode, trouble).toBe(0);
    expect(restart.started, 'the restart was triggered during the sync').toBeDefined();
    await restart.done;
    // the sync was still going when the server went down and came back
    expect(proxy!.seen.some((s) => s.at > restart.ended!), 'requests after the restart').toBe(true);
    const kinds = new Set(proxy!.seen.map((s) => s.fault));
    expect([...kinds].sort()).toEqual(['pass', 'reset-after', 'reset-before', 'slow', 'status']);

    const back = await readBack(repo.experiment);
    expect(back.runs.map((r) => r.tags['dap.identity']).sort(), 'one MLflow run per journal, no duplicate run').toEqual(journals.map((j) => j.identity).sort());
    for (const j of journals) {
      const r = back.runs.find((x) => x.tags['dap.identity'] === j.identity)!;
      expect(r.status, j.runName).toBe('FINISHED');
      expect(r.params, j.runName).toEqual(j.params);
      for (const [k, v] of Object.entries(j.tags)) expect(r.tags[k], `${j.runName}: tag ${k}`).toBe(v);
      expect(Object.keys(r.history).sort(), j.runName).toEqual(Object.keys(j.points).sort());
      for (const [key, pts] of Object.entries(j.points)) {
        expect(r.history[key], `${j.runName}: ${key}`).toHaveLength(pts.length);
        expect(pointKeys(r.history[key]!), `${j.runName}: ${key}`).toEqual(pointKeys(pts));
      }
      expect(r.artifacts.length, j.runName).toBeGreaterThan(0);
      expect(r.artifacts.map((a) => a.path).sort(), j.runName).toEqual(expectedArtifacts(j));
    }
  }, 300_000);
});

/** The files a journal's artifact events name, as artifact paths. */
function expectedArtifacts(j: JournaledRun): string[] {
  const out: string[] = [];
  const workdir = (JSON.parse(fs.readFileSync(j.file, 'utf8').split('\n')[0]!) as { workdir: string }).workdir;
  for (const a of j.artifacts) {
    const abs = a.path.startsWith('/') ? a.path : `${workdir}/${a.path}`;
    if (fs.statSync(abs).isDirectory()) {
      for (const d of fs.readdirSync(abs, { recursive: true, withFileTypes: true })) {
        if (d.isFile()) out.push(`${a.dest ? a.dest + '/' : ''}${`${d.parentPath}/${d.name}`.slice(abs.length + 1)}`);
      }
    } else out.push(a.dest || a.path);
  }
  return out.sort();
}
