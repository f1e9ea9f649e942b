import type { MetricValue, OpenEvent, RunStatus } from './events.js';
import type { MlflowApi, MlflowRunInfo } from './mlflow-api.js';
import type { Batch, RunRef, TrackingSink } from './sink.js';
import { redactUrl } from '../adapters/http/index.js';

// Ships journals into an MLflow tracking server. The run is found by its dap.identity tag, never
// remembered only locally, so a retried job, a second `dap track` or a later `dap sync` from another
// machine all land in the same run.

export const IDENTITY_TAG = 'dap.identity';
/** ms when dap created the run: orders concurrent creators (start_time is the journal's, equal for copies) */
export const CREATED_TAG = 'dap.created_at';

export interface MlflowSinkOptions {
  /** wait before the confirming search, so a concurrent creator's run is visible (ms) */
  settleMs?: number;
}

export class MlflowSink implements TrackingSink {
  readonly uri: string;
  private readonly experiments = new Map<string, string>();

  constructor(private readonly api: MlflowApi, private readonly opts: MlflowSinkOptions = {}) {
    this.uri = redactUrl(api.trackingUri); // user:password@ must not reach cursors, logs or errors
  }

  answered(): boolean {
    return this.api.answered?.() ?? true;
  }

  async resolveRun(open: OpenEvent): Promise<RunRef> {
    const experimentId = await this.experimentId(open.experiment);
    const filter = `tags.\`${IDENTITY_TAG}\` = '${open.identity}'`;
    const existing = await this.api.searchRuns(experimentId, filter);
    if (existing.length > 0) return toRef(await this.agree(existing));
    const mine = await this.api.createRun({
      experimentId,
      runName: open.runName,
      startTime: open.time,
      tags: [{ key: IDENTITY_TAG, value: open.identity }, { key: CREATED_TAG, value: String(Date.now()) }],
    });
    // Two creators at once (e.g. two shippers of copies of one journal): after a settle delay, each
    // looks again and all agree on the earliest created run (dap.created_at, then run id) — a creator
    // that saw only its own run was the earlier one. The losers are deleted.
    await new Promise((r) => setTimeout(r, this.opts.settleMs ?? 300));
    const all = await this.api.searchRuns(experimentId, filter);
    return toRef(await this.agree(all.some((r) => r.runId === mine.runId) ? all : [...all, mine]));
  }

  /**
   * The earliest created run wins; every other run of the identity lost and is deleted by whoever
   * sees it — not only by its creator: a create whose answer was lost and was retried leaves a
   * second run, and a creator interrupted before agreeing (server gone) leaves its run behind.
   */
  private async agree(runs: MlflowRunInfo[]): Promise<MlflowRunInfo> {
    const winner = oldest(runs);
    for (const r of runs) if (r.runId !== winner.runId) await this.api.deleteRun(r.runId);
    return winner;
  }

  async logBatch(run: RunRef, batch: Batch): Promise<void> {
    await this.api.logBatch(run.runId, {
      metrics: batch.metrics.map((p) => ({ key: p.k, value: storedValue(p.v), timestamp: p.ts, step: p.s })),
      params: Object.entries(batch.params).map(([key, value]) => ({ key, value })),
      tags: Object.entries(batch.tags).map(([key, value]) => ({ key, value })),
    });
  }

  async uploadFile(run: RunRef, localFile: string, dest: string): Promise<void> {
    await this.api.uploadArtifact({ runId: run.runId, experimentId: run.experimentId, startTime: 0, artifactUri: run.artifactUri }, dest, localFile);
  }

  async setStatus(run: RunRef, status: RunStatus, endTime: number): Promise<void> {
    await this.api.updateRun(run.runId, status, endTime);
  }

  private async experimentId(name: string): Promise<string> {
    let id = this.experiments.get(name);
    if (!id) {
      id = await this.api.getOrCreateExperiment(name);
      this.experiments.set(name, id);
    }
    return id;
  }
}

/**
 * ±Infinity as MLflow stores it: SQL has no infinities, so the store writes ±1.7976931348623157e308
 * (sqlalchemy_store.py). Sent so, what dap sends is exactly what the server keeps and returns, on
 * every store and version, and a re-sent point is identical to the stored row. NaN travels as "NaN".
 */
function storedValue(v: MetricValue): MetricValue {
  if (v === 'Infinity') return Number.MAX_VALUE;
  if (v === '-Infinity') return -Number.MAX_VALUE;
  return v;
}

function oldest(runs: MlflowRunInfo[]): MlflowRunInfo {
  const created = (r: MlflowRunInfo) => Number(r.tags?.[CREATED_TAG] ?? 0) || 0;
  return [...runs].sort((a, b) => created(a) - created(b) || a.startTime - b.startTime || (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0))[0]!;
}

function toRef(r: MlflowRunInfo): RunRef {
  return { runId: r.runId, experimentId: r.experimentId, artifactUri: r.artifactUri };
}
