// The JSON request helper the resources share: one typed call per REST endpoint, MLflow's error
// body mapped to MlflowError, connection failures and 401/403 to UnavailableError (exit code 3).

import { UnavailableError } from '../../errors.js';
import { HttpConnectionError, HttpRequest, HttpTransport, looksLikeHtml, redactUrl } from '../http/index.js';
import { hostRefused, htmlAnswer, isHostRefusal, mlflowErrorFrom, refused, unreachable } from './errors.js';

export const API = '/api/2.0/mlflow';
export const ARTIFACTS_API = '/api/2.0/mlflow-artifacts';

export class MlflowApi {
  readonly transport: HttpTransport;
  readonly trackingUri: string;

  /** aborts every request of this client at once (a server found silent: see mlflow-shared-api) */
  private readonly signal: AbortSignal | undefined;

  constructor(transport: HttpTransport, signal?: AbortSignal) {
    this.transport = transport;
    this.trackingUri = redactUrl(transport.baseUrl).replace(/\/+$/, '');
    this.signal = signal;
  }

  /**
   * Sends a request and returns the raw Response when its status is 2xx; throws otherwise. Answers
   * are read whole within their attempt (`buffer`), so a stalled or cut-off body is retried; only a
   * download passes `buffer: false` to stream.
   */
  async send(req: HttpRequest, what: string): Promise<Response> {
    let res: Response;
    const signal = this.signal && req.signal ? AbortSignal.any([this.signal, req.signal]) : (this.signal ?? req.signal);
    try {
      if (this.signal?.aborted) throw this.signal.reason;
      res = await this.transport.request({ buffer: true, ...req, signal });
    } catch (err) {
      if (err instanceof HttpConnectionError) throw unreachable(this.trackingUri, err.message, err);
      throw err;
    }
    if (res.ok) return res;
    const text = await res.text().catch(() => '');
    if (isHostRefusal(res.status, text)) throw hostRefused(this.trackingUri, res.status, text);
    if ((res.status === 401 || res.status === 403) && req.auth !== false && !looksLikeHtml(text, res.headers.get('content-type'))) throw refused(this.trackingUri, res.status);
    if (looksLikeHtml(text, res.headers.get('content-type'))) throw htmlAnswer(this.where(req), res.status, text, what);
    throw mlflowErrorFrom(res.status, text, what);
  }

  /** The request's URL for messages: no credentials, no query. */
  private where(req: HttpRequest): string {
    const u = new URL(redactUrl(this.transport.url(req.path)));
    return `${u.origin}${u.pathname}`;
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
