// Runs: create, get, update, search (with a page iterator), delete, set-tag, log-batch.

import { MlflowHttp } from './api.js';
import { LogBatchInput, LogBatchResult, logBatch } from './log-batch.js';
import { checkTag } from './validation.js';
import type { RunStatus } from '../../core/mlflow/values.js';
import { Run, RunInfo, ViewType } from './types.js';

export interface CreateRunOptions {
  experimentId: string;
  runName?: string;
  /** ms since epoch; defaults to now */
  startTime?: number;
  tags?: Record<string, string>;
  userId?: string;
}

export interface UpdateRunOptions {
  status?: RunStatus;
  endTime?: number;
  runName?: string;
}

export interface SearchRunsOptions {
  experimentIds: string[];
  /** MLflow search syntax, e.g. `tags."dap.run_key" = 'abc'` */
  filter?: string;
  orderBy?: string[];
  /** per page; server maximum is 50000 */
  maxResults?: number;
  pageToken?: string;
  viewType?: ViewType;
}

export interface RunsPage { runs: Run[]; nextPageToken?: string }

export class Runs {
  constructor(private readonly api: MlflowHttp) {}

  async create(opts: CreateRunOptions): Promise<Run> {
    const tags = Object.entries(opts.tags ?? {}).map(([key, value]) => (checkTag(key, value), { key, value }));
    const r = await this.api.post<{ run: Run }>(
      '/runs/create',
      {
        experiment_id: opts.experimentId,
        run_name: opts.runName,
        start_time: opts.startTime ?? Date.now(),
        tags: tags.length ? tags : undefined,
        user_id: opts.userId,
      },
      `create run in experiment ${opts.experimentId}`,
    );
    return r.run;
  }

  async get(runId: string): Promise<Run> {
    const r = await this.api.get<{ run: Run }>('/runs/get', { run_id: runId }, `get run ${runId}`);
    return r.run;
  }

  async update(runId: string, opts: UpdateRunOptions): Promise<RunInfo> {
    const r = await this.api.post<{ run_info: RunInfo }>(
      '/runs/update',
      { run_id: runId, status: opts.status, end_time: opts.endTime, run_name: opts.runName },
      `update run ${runId}`,
    );
    return r.run_info;
  }

  /** One page of results. */
  async search(opts: SearchRunsOptions): Promise<RunsPage> {
    const r = await this.api.post<{ runs?: Run[]; next_page_token?: string }>(
      '/runs/search',
      {
        experiment_ids: opts.experimentIds,
        filter: opts.filter,
        order_by: opts.orderBy,
        max_results: opts.maxResults,
        page_token: opts.pageToken,
        run_view_type: opts.viewType,
      },
      'search runs',
    );
    return { runs: r.runs ?? [], nextPageToken: r.next_page_token || undefined };
  }

  /** Every matching run, fetching pages lazily. */
  async *searchAll(opts: Omit<SearchRunsOptions, 'pageToken'>): AsyncGenerator<Run> {
    let pageToken: string | undefined;
    do {
      const page = await this.search({ ...opts, pageToken });
      yield* page.runs;
      pageToken = page.nextPageToken;
    } while (pageToken);
  }

  async delete(runId: string): Promise<void> {
    await this.api.post('/runs/delete', { run_id: runId }, `delete run ${runId}`);
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    checkTag(key, value);
    await this.api.post('/runs/set-tag', { run_id: runId, key, value }, `set tag ${key} on run ${runId}`);
  }

  /** Logs metrics/params/tags, split into as many requests as the server's limits need. */
  logBatch(runId: string, input: LogBatchInput): Promise<LogBatchResult> {
    return logBatch(this.api, runId, input);
  }
}
