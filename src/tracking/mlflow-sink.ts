import type { OpenEvent } from './events.js';
import type { RunStatus } from '../core/mlflow/values.js';
import { createMlflowClient, MlflowError, MlflowValidationError, type MlflowClient, type Run } from '../adapters/mlflow/index.js';
import { TRANSIENT_STATUSES, type FetchLike, type RetryPolicy } from '../adapters/http/index.js';
import { RejectedError, type Batch, type RunRef, type TrackingSink } from './sink.js';

// Ships journals into an MLflow tracking server through dap's MLflow client, which chunks to the
// server's limits, retries (408/429/5xx, Retry-After), authenticates and stops at a silent server.
// The run is found by its dap.identity tag, never remembered only locally, so a retried job, a
// second `dap track` or a later `dap sync` from another machine all land in the same run.

export const IDENTITY_TAG = 'dap.identity';
/** ms when dap created the run: orders concurrent creators (start_time is the journal's, equal for copies) */
export const CREATED_TAG = 'dap.created_at';

export interface MlflowSinkOptions {
  /** wait before the confirming search, so a concurrent creator's run is visible (ms) */
  settleMs?: number;
}

/** The sink for an http(s):// tracking URI; `retry` overrides the MLFLOW_HTTP_REQUEST_* policy. */
export function mlflowSink(trackingUri: string, opts: MlflowSinkOptions & { env?: NodeJS.ProcessEnv; retry?: Partial<RetryPolicy>; fetch?: FetchLike } = {}): MlflowSink {
  return new MlflowSink(createMlflowClient({ trackingUri, env: opts.env, retry: opts.retry, fetch: opts.fetch }), { settleMs: opts.settleMs });
}

export class MlflowSink implements TrackingSink {
  /** never contains credentials: the client keeps user:password@ out of its URI */
  readonly uri: string;
  private readonly experiments = new Map<string, string>();

  constructor(private readonly client: MlflowClient, private readonly opts: MlflowSinkOptions = {}) {
    this.uri = client.trackingUri;
  }

  answered(): boolean {
    return this.client.answered();
  }

  async resolveRun(open: OpenEvent): Promise<RunRef> {
    return refusalsAsRejected(async () => {
      const experimentId = await this.experimentId(open.experiment);
      const filter = `tags.\`${IDENTITY_TAG}\` = '${open.identity}'`;
      const existing = await this.search(experimentId, filter);
      if (existing.length > 0) return toRef(await this.agree(existing));
      const mine = await this.client.runs.create({
        experimentId,
        runName: open.runName,
        startTime: open.time,
        tags: { [IDENTITY_TAG]: open.identity, [CREATED_TAG]: String(Date.now()) },
      });
      // Two creators at once (e.g. two shippers of copies of one journal): after a settle delay, each
      // looks again and all agree on the earliest created run (dap.created_at, then run id) — a creator
      // that saw only its own run was the earlier one. The losers are deleted.
      await new Promise((r) => setTimeout(r, this.opts.settleMs ?? 300));
      const all = await this.search(experimentId, filter);
      return toRef(await this.agree(all.some((r) => r.info.run_id === mine.info.run_id) ? all : [...all, mine]));
    });
  }

  /**
   * The earliest created run wins; every other run of the identity lost and is deleted by whoever
   * sees it — not only by its creator: a create whose answer was lost and was retried leaves a
   * second run, and a creator interrupted before agreeing (server gone) leaves its run behind.
   */
  private async agree(runs: Run[]): Promise<Run> {
    const winner = oldest(runs);
    for (const r of runs) if (r.info.run_id !== winner.info.run_id) await this.client.runs.delete(r.info.run_id);
    return winner;
  }

  private async search(experimentId: string, filter: string): Promise<Run[]> {
    const out: Run[] = [];
    for await (const run of this.client.runs.searchAll({ experimentIds: [experimentId], filter, maxResults: 1000, viewType: 'ACTIVE_ONLY' })) out.push(run);
    return out;
  }

  async logBatch(run: RunRef, batch: Batch): Promise<void> {
    await refusalsAsRejected(() => this.client.runs.logBatch(run.runId, {
      metrics: batch.metrics.map((p) => ({ key: p.k, value: p.v, timestamp: p.ts, step: p.s })),
      params: batch.params,
      tags: batch.tags,
    }));
  }

  async uploadFile(run: RunRef, localFile: string, dest: string): Promise<void> {
    await refusalsAsRejected(() => this.client.artifacts.upload(run.artifactUri ?? run.runId, localFile, dest));
  }

  async setStatus(run: RunRef, status: RunStatus, endTime: number): Promise<void> {
    await refusalsAsRejected(() => this.client.runs.update(run.runId, { status, endTime }));
  }

  private async experimentId(name: string): Promise<string> {
    let id = this.experiments.get(name);
    if (!id) {
      id = (await this.client.experiments.getOrCreate(name)).experiment_id;
      this.experiments.set(name, id);
    }
    return id;
  }
}

/**
 * Refusals of the data itself (the client's own check, a 4xx other than 401/403/408/429) become
 * RejectedError: the shipper reports that item and goes on, and `dap sync` exits 1. A server that
 * is down or still failing after the retries stays UnavailableError: the journal waits (exit 3).
 */
async function refusalsAsRejected<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof MlflowValidationError) throw new RejectedError(e.message, { status: 400 });
    if (e instanceof MlflowError && e.status >= 400 && e.status < 500 && !TRANSIENT_STATUSES.has(e.status) && e.status !== 401 && e.status !== 403) {
      throw new RejectedError(e.message, { code: e.errorCode, status: e.status });
    }
    throw e;
  }
}

function oldest(runs: Run[]): Run {
  const created = (r: Run) => Number(r.data?.tags?.find((t) => t.key === CREATED_TAG)?.value ?? 0) || 0;
  const start = (r: Run) => Number(r.info.start_time ?? 0);
  const id = (r: Run) => r.info.run_id;
  return [...runs].sort((a, b) => created(a) - created(b) || start(a) - start(b) || (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0))[0]!;
}

function toRef(r: Run): RunRef {
  return { runId: r.info.run_id, experimentId: r.info.experiment_id, artifactUri: r.info.artifact_uri };
}
