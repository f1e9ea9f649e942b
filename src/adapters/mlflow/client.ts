// createMlflowClient: the resources wired onto one transport, configured from the environment
// the way the MLflow Python client is (MLFLOW_TRACKING_URI, credentials, retry variables).

import { DapError, UsageError } from '../../errors.js';
import { CredentialsProvider, FetchLike, HttpTransport, RetryEvent, RetryPolicy, credentialsFromEnv, redactUrl, retryPolicyFromEnv } from '../http/index.js';
import { MlflowHttp } from './api.js';
import { Artifacts } from './artifacts.js';
import { Experiments } from './experiments.js';
import { Metrics } from './metrics.js';
import { ModelVersions } from './model-versions.js';
import { SilenceBreaker } from './silence.js';
import { RegisteredModels } from './registered-models.js';
import { Runs } from './runs.js';

export interface MlflowClientOptions {
  /** http(s)://host:port[/prefix]; defaults to env.MLFLOW_TRACKING_URI */
  trackingUri?: string;
  env?: NodeJS.ProcessEnv;
  fetch?: FetchLike;
  /** overrides the env-derived credentials */
  credentials?: CredentialsProvider;
  /** overrides fields of the env-derived retry policy */
  retry?: Partial<RetryPolicy>;
  onRetry?: (e: RetryEvent) => void;
}

export interface MlflowClient {
  readonly trackingUri: string;
  /** the server has answered at least one request (it is there, perhaps slow) */
  answered(): boolean;
  readonly experiments: Experiments;
  readonly runs: Runs;
  readonly metrics: Metrics;
  readonly artifacts: Artifacts;
  readonly registeredModels: RegisteredModels;
  readonly modelVersions: ModelVersions;
  /** GET /health; true when the server answers OK */
  health(): Promise<boolean>;
}

export function createMlflowClient(opts: MlflowClientOptions = {}): MlflowClient {
  const env = opts.env ?? process.env;
  const raw = opts.trackingUri ?? env.MLFLOW_TRACKING_URI;
  if (!raw) throw new UsageError('no MLflow server configured', 'set MLFLOW_TRACKING_URI (e.g. http://127.0.0.1:55000)');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`MLFLOW_TRACKING_URI ${JSON.stringify(raw)} is not a URL`, 'use http://host:port');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`MLflow tracking URI ${url.protocol}… is not supported by dap's REST client`, 'use an http(s):// tracking server URI');
  }
  // user:password@ in the URI is taken as basic credentials and removed from the URL we print.
  let credentials = opts.credentials ?? credentialsFromEnv(env).provider;
  if (url.username && !opts.credentials) {
    const header = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    credentials = () => header;
  }
  url.username = '';
  url.password = '';
  const baseUrl = url.toString().replace(/\/+$/, '');
  const retry = { ...retryPolicyFromEnv(env), ...opts.retry };
  const breaker = new SilenceBreaker(redactUrl(baseUrl), retry.timeoutMs);
  const transport = new HttpTransport({
    baseUrl,
    fetch: breaker.listen(opts.fetch ?? fetch),
    credentials,
    retry,
    userAgent: 'dap-mlflow-client',
    onRetry: (e) => {
      if (e.reason === 'ETIMEDOUT') breaker.timedOut();
      opts.onRetry?.(e);
    },
  });
  const api = new MlflowHttp(transport, breaker);
  const runs = new Runs(api);
  const artifactUriOf = async (runId: string) => {
    const uri = (await runs.get(runId)).info.artifact_uri;
    if (!uri) throw new DapError(`run ${runId} has no artifact URI`);
    return uri;
  };
  return {
    trackingUri: baseUrl,
    answered: () => breaker.answered(),
    experiments: new Experiments(api),
    runs,
    metrics: new Metrics(api),
    artifacts: new Artifacts(api, artifactUriOf, env),
    registeredModels: new RegisteredModels(api),
    modelVersions: new ModelVersions(api, artifactUriOf),
    async health() {
      try {
        const res = await transport.request({ method: 'GET', path: '/health', retry: false });
        await res.body?.cancel();
        return res.ok;
      } catch {
        return false;
      }
    },
  };
}
