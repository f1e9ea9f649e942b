import fs from 'node:fs';
import { Readable } from 'node:stream';
import { UnavailableError } from '../errors.js';
import type { MlflowApi, MlflowKeyValue, MlflowRunInfo, MlflowWireMetric } from './mlflow-api.js';
import { RejectedError } from './sink.js';

// Fallback MLflow REST 2.0 client for tracking (see mlflow-api.ts). Retries 408/429/5xx and
// network errors with exponential backoff like the Python client; maps refusals to one clear line.

type Fetch = typeof fetch;

export interface RestOptions {
  trackingUri: string;
  env?: NodeJS.ProcessEnv;
  fetch?: Fetch;
  maxRetries?: number;
  baseDelayMs?: number;
}

interface ApiErrorBody { error_code?: string; message?: string }

export function createFallbackMlflowApi(opts: RestOptions): MlflowApi {
  const base = opts.trackingUri.replace(/\/+$/, '');
  const env = opts.env ?? process.env;
  const doFetch = opts.fetch ?? fetch;
  const maxRetries = opts.maxRetries ?? Number(env.MLFLOW_HTTP_REQUEST_MAX_RETRIES ?? 7);
  const baseDelay = opts.baseDelayMs ?? 500;
  const headers: Record<string, string> = {};
  if (env.MLFLOW_TRACKING_TOKEN) headers.authorization = `Bearer ${env.MLFLOW_TRACKING_TOKEN}`;
  else if (env.MLFLOW_TRACKING_USERNAME) {
    headers.authorization = `Basic ${Buffer.from(`${env.MLFLOW_TRACKING_USERNAME}:${env.MLFLOW_TRACKING_PASSWORD ?? ''}`).toString('base64')}`;
  }

  async function request(method: string, path: string, body?: unknown, rawBody?: () => RequestInit['body']): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await doFetch(base + path, {
          method,
          headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          body: rawBody ? rawBody() : body !== undefined ? JSON.stringify(body) : undefined,
          ...(rawBody ? { duplex: 'half' } : {}),
        } as RequestInit);
      } catch (e) {
        if (attempt < maxRetries) { await sleep(backoff(attempt, baseDelay)); continue; }
        const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
        throw new UnavailableError(`MLflow at ${base} is unreachable (${cause})`, 'check MLFLOW_TRACKING_URI and that the tracking server is running', e);
      }
      if (res.ok) {
        const text = await res.text();
        return text ? JSON.parse(text) : {};
      }
      const text = await res.text().catch(() => '');
      if ((res.status === 408 || res.status === 429 || res.status >= 500) && attempt < maxRetries) {
        const retryAfter = Number(res.headers.get('retry-after'));
        await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, 60_000) : backoff(attempt, baseDelay));
        continue;
      }
      if (res.status === 401 || res.status === 403) {
        throw new UnavailableError(`MLflow at ${base} refused the credentials (HTTP ${res.status})`, 'check MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD or MLFLOW_TRACKING_TOKEN');
      }
      let parsed: ApiErrorBody = {};
      try { parsed = JSON.parse(text) as ApiErrorBody; } catch { /* not JSON */ }
      const msg = `MLflow ${method} ${path.split('?')[0]}: HTTP ${res.status} ${parsed.error_code ?? ''} ${parsed.message ?? text.slice(0, 300)}`.trim();
      if (res.status >= 400 && res.status < 500) throw Object.assign(new RejectedError(msg), { status: res.status, code: parsed.error_code });
      throw new UnavailableError(msg, 'the tracking server keeps failing; check its logs');
    }
  }

  const api: MlflowApi = {
    trackingUri: base,
    async getOrCreateExperiment(name) {
      const get = async () => {
        try {
          const r = (await request('GET', `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`)) as { experiment: { experiment_id: string; lifecycle_stage?: string } };
          return r.experiment;
        } catch (e) {
          if ((e as { code?: string }).code === 'RESOURCE_DOES_NOT_EXIST') return undefined;
          throw e;
        }
      };
      const found = await get();
      if (found) {
        if (found.lifecycle_stage === 'deleted') {
          await request('POST', '/api/2.0/mlflow/experiments/restore', { experiment_id: found.experiment_id });
        }
        return found.experiment_id;
      }
      try {
        const r = (await request('POST', '/api/2.0/mlflow/experiments/create', { name })) as { experiment_id: string };
        return r.experiment_id;
      } catch (e) {
        // another job created it between our get and create
        if ((e as { code?: string }).code === 'RESOURCE_ALREADY_EXISTS') {
          const again = await get();
          if (again) return again.experiment_id;
        }
        throw e;
      }
    },
    async searchRuns(experimentId, filter) {
      const out: MlflowRunInfo[] = [];
      let pageToken: string | undefined;
      do {
        const r = (await request('POST', '/api/2.0/mlflow/runs/search', {
          experiment_ids: [experimentId], filter, run_view_type: 'ACTIVE_ONLY', max_results: 1000, page_token: pageToken,
        })) as { runs?: Array<{ info: RawRunInfo }>; next_page_token?: string };
        for (const run of r.runs ?? []) out.push(fromRaw(run.info));
        pageToken = r.next_page_token || undefined;
      } while (pageToken);
      return out;
    },
    async createRun(req) {
      const r = (await request('POST', '/api/2.0/mlflow/runs/create', {
        experiment_id: req.experimentId, run_name: req.runName, start_time: req.startTime, tags: req.tags,
      })) as { run: { info: RawRunInfo } };
      return fromRaw(r.run.info);
    },
    async deleteRun(runId) {
      await request('POST', '/api/2.0/mlflow/runs/delete', { run_id: runId });
    },
    async logBatch(runId, batch) {
      for (const chunk of chunkBatch(batch)) await request('POST', '/api/2.0/mlflow/runs/log-batch', { run_id: runId, ...chunk });
    },
    async updateRun(runId, status, endTime) {
      await request('POST', '/api/2.0/mlflow/runs/update', { run_id: runId, status, end_time: endTime });
    },
    async uploadArtifact(run, artifactPath, localFile) {
      const root = proxyPath(run);
      const dest = [root, ...artifactPath.split('/').filter(Boolean).map(encodeURIComponent)].join('/');
      await request('PUT', `/api/2.0/mlflow-artifacts/artifacts/${dest}`, undefined,
        () => Readable.toWeb(fs.createReadStream(localFile)) as unknown as RequestInit['body']);
    },
  };
  return api;
}

interface RawRunInfo { run_id: string; experiment_id: string; start_time?: number | string; artifact_uri?: string; status?: string }

function fromRaw(i: RawRunInfo): MlflowRunInfo {
  return { runId: i.run_id, experimentId: i.experiment_id, startTime: Number(i.start_time ?? 0), artifactUri: i.artifact_uri, status: i.status };
}

/** `mlflow-artifacts:/1/abc/artifacts` or `mlflow-artifacts://host/1/abc/artifacts` → `1/abc/artifacts`. */
function proxyPath(run: MlflowRunInfo): string {
  const uri = run.artifactUri ?? '';
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.*)$/.exec(uri);
  if (!m) {
    throw new RejectedError(`run ${run.runId} stores artifacts at ${uri || '(unknown)'}, not through the tracking server; start mlflow server with --artifacts-destination (artifact proxying)`);
  }
  return m[1]!.replace(/\/+$/, '').split('/').map(encodeURIComponent).join('/');
}

/** MLflow's log-batch limits: 1000 metrics, 100 params, 100 tags, 1000 items per request. */
export function* chunkBatch(b: { metrics: MlflowWireMetric[]; params: MlflowKeyValue[]; tags: MlflowKeyValue[] }) {
  let i = 0;
  let p = 0;
  let t = 0;
  while (i < b.metrics.length || p < b.params.length || t < b.tags.length) {
    const params = b.params.slice(p, p + 100);
    const tags = b.tags.slice(t, t + 100);
    const metrics = b.metrics.slice(i, i + (1000 - params.length - tags.length));
    p += params.length;
    t += tags.length;
    i += metrics.length;
    yield { metrics, params, tags };
  }
}

function backoff(attempt: number, base: number): number {
  return Math.min(base * 2 ** attempt, 30_000) * (0.5 + Math.random() / 2);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
