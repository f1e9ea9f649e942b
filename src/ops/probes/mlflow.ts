// One authenticated request to an MLflow server, with what the answer means: the server (and its
// database) works, the credentials are refused, it is a login page, or it is not MLflow at all.
// Used by `dap login` (before saving credentials) and `dap doctor`.

import { credentialsFromEnv, htmlAnswerMessage, HttpConnectionError, HttpTransport, looksLikeHtml } from '../../adapters/http/index.js';

export type MlflowProbe =
  | { ok: true; experiments: number }
  | { ok: false; kind: 'unreachable' | 'refused' | 'html' | 'server' | 'not-mlflow'; detail: string; hint: string };

/** A transport without retries and with a short timeout: a probe must answer fast. */
export function probeTransport(uri: string, env: NodeJS.ProcessEnv, timeoutMs: number): HttpTransport {
  const url = new URL(uri);
  let credentials = credentialsFromEnv(env).provider;
  if (url.username) {
    const header = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    credentials = () => header;
  }
  url.username = '';
  url.password = '';
  return new HttpTransport({
    baseUrl: url.toString(),
    credentials,
    retry: { maxRetries: 0, backoffFactor: 0, backoffJitter: 0, timeoutMs, maxTotalMs: timeoutMs },
    userAgent: 'dap-probe',
  });
}

const SEARCH = '/api/2.0/mlflow/experiments/search';

export async function probeMlflow(transport: HttpTransport): Promise<MlflowProbe> {
  const where = transport.baseUrl;
  let res: Response;
  try {
    res = await transport.request({ method: 'GET', path: SEARCH, query: { max_results: 1 }, retry: false, buffer: true });
  } catch (e) {
    const code = e instanceof HttpConnectionError ? e.code : String((e as Error).message ?? e);
    return { ok: false, kind: 'unreachable', detail: `cannot reach ${where} (${code})`, hint: 'check the tracking URI and that the server is up' };
  }
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  // an HTML 401/403 is a proxy's sign-in page, not MLflow refusing the credentials
  if (looksLikeHtml(text, type)) {
    return {
      ok: false, kind: 'html',
      detail: htmlAnswerMessage({ vendor: 'MLflow', url: transport.url(SEARCH), status: res.status, body: text, what: 'searching experiments' }),
      hint: 'use the URI MLflow itself answers on, or the credentials/token your proxy expects',
    };
  }
  if (res.status === 401 || res.status === 403) {
    return { ok: false, kind: 'refused', detail: `MLflow refused the credentials (HTTP ${res.status})`, hint: 'check the username/password or token (dap login, or MLFLOW_TRACKING_USERNAME/PASSWORD/TOKEN)' };
  }
  if (res.status >= 500) {
    return { ok: false, kind: 'server', detail: `MLflow answered HTTP ${res.status}: ${text.slice(0, 200).trim()}`, hint: 'its database (Postgres) is likely down or unreachable from MLflow: check the server log' };
  }
  let body: unknown;
  try {
    body = JSON.parse(text || '{}');
  } catch {
    body = undefined;
  }
  if (!res.ok || typeof body !== 'object' || body === null) {
    return { ok: false, kind: 'not-mlflow', detail: `${where} answered HTTP ${res.status} with something that is not MLflow's API`, hint: 'check the tracking URI (scheme, host, port, path prefix)' };
  }
  const exps = (body as { experiments?: unknown[] }).experiments;
  return { ok: true, experiments: Array.isArray(exps) ? exps.length : 0 };
}
