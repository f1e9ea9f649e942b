// The JSON request helper the resources share: one typed call per REST endpoint, MLflow's error
// body mapped to MlflowError; connection failures, 401/403 and a status still transient after the
// retries to UnavailableError (exit code 3: the server, not the request, is the problem).

import { UnavailableError } from '../../errors.js';
import { HttpConnectionError, HttpRequest, HttpTransport, TRANSIENT_STATUSES, looksLikeHtml, redactUrl, urlForMessage } from '../http/index.js';
import { hostRefused, htmlAnswer, isHostRefusal, mlflowErrorFrom, refused, unavailable, unreachable } from './errors.js';
import type { SilenceBreaker } from './silence.js';

export const API = '/api/2.0/mlflow';
export const ARTIFACTS_API = '/api/2.0/mlflow-artifacts';

export class MlflowHttp {
  readonly transport: HttpTransport;
  readonly trackingUri: string;

  constructor(transport: HttpTransport, private readonly breaker?: SilenceBreaker) {
    this.transport = transport;
    this.trackingUri = redactUrl(transport.baseUrl).replace(/\/+$/, '');
  }

  /**
   * Sends a request and returns the raw Response when its status is 2xx; throws otherwise. Answers
   * are read whole within their attempt (`buffer`), so a stalled or cut-off body is retried; only a
   * download passes `buffer: false` to stream.
   */
  async send(req: HttpRequest, what: string): Promise<Response> {
    let res: Response;
    const silenced = this.breaker?.signal;
    const signal = silenced && req.signal ? AbortSignal.any([silenced, req.signal]) : (silenced ?? req.signal);
    try {
      if (silenced?.aborted) throw silenced.reason;
      res = await this.transport.request({ buffer: true, ...req, signal });
    } catch (err) {
      if (err instanceof HttpConnectionError && err.code === 'ETIMEDOUT') this.breaker?.timedOut(err);
      if (silenced?.aborted) throw silenced.reason;
      if (err instanceof HttpConnectionError) throw unreachable(this.trackingUri, err.message, err);
      throw err;
    }
    if (res.ok) return res;
    const text = await res.text().catch(() => '');
    if (isHostRefusal(res.status, text)) throw hostRefused(this.trackingUri, res.status, text);
    if ((res.status === 401 || res.status === 403) && req.auth !== false && !looksLikeHtml(text, res.headers.get('content-type'))) throw refused(this.trackingUri, res.status);
    if (looksLikeHtml(text, res.headers.get('content-type'))) throw htmlAnswer(this.where(req), res.status, text, what);
    const error = mlflowErrorFrom(res.status, text, what);
    // still transient after the transport's retries: a restarting server, a proxy in front of it, a
    // database down behind it. Nothing is wrong with the request, so it is the server's problem.
    if (TRANSIENT_STATUSES.has(res.status)) throw unavailable(this.trackingUri, error);
    throw error;
  }

  /** The request's URL for messages: no credentials, no query. */
  private where(req: HttpRequest): string {
    return urlForMessage(this.transport.url(req.path));
  }

  async get<T>(path: string, query: HttpRequest['query'], what: string): Promise<T> {
    const req: HttpRequest = { method: 'GET', path: API + path, query };
    return this.json<T>(await this.send(req, what), what, this.where(req));
  }

  async post<T>(path: string, body: unknown, what: string): Promise<T> {
    const req: HttpRequest = { method: 'POST', path: API + path, json: body };
    return this.json<T>(await this.send(req, what), what, this.where(req));
  }

  /** A 2xx answer's JSON; a page that is not JSON (a proxy's sign-in page answering 200) is said to be one. */
  async json<T>(res: Response, what = 'a request', url = this.trackingUri): Promise<T> {
    const text = await res.text();
    if (!text) return {} as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      if (looksLikeHtml(text, res.headers.get('content-type'))) throw htmlAnswer(url, res.status, text, what);
      throw new UnavailableError(`${url} answered HTTP ${res.status} with something that is not JSON for ${what}: ${JSON.stringify(text.slice(0, 80))}`, 'check that MLFLOW_TRACKING_URI is the MLflow server\'s own address');
    }
  }
}
