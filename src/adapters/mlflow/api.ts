// The JSON request helper the resources share: one typed call per REST endpoint, MLflow's error
// body mapped to MlflowError, connection failures and 401/403 to UnavailableError (exit code 3).

import { HttpConnectionError, HttpRequest, HttpTransport, redactUrl } from '../http/index.js';
import { mlflowErrorFrom, refused, unreachable } from './errors.js';

export const API = '/api/2.0/mlflow';
export const ARTIFACTS_API = '/api/2.0/mlflow-artifacts';

export class MlflowApi {
  readonly transport: HttpTransport;
  readonly trackingUri: string;

  constructor(transport: HttpTransport) {
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
    try {
      res = await this.transport.request({ buffer: true, ...req });
    } catch (err) {
      if (err instanceof HttpConnectionError) throw unreachable(this.trackingUri, err.message, err);
      throw err;
    }
    if (res.ok) return res;
    const text = await res.text().catch(() => '');
    if ((res.status === 401 || res.status === 403) && req.auth !== false) throw refused(this.trackingUri, res.status);
    throw mlflowErrorFrom(res.status, text, what);
  }

  async get<T>(path: string, query: HttpRequest['query'], what: string): Promise<T> {
    return this.json<T>(await this.send({ method: 'GET', path: API + path, query }, what));
  }

  async post<T>(path: string, body: unknown, what: string): Promise<T> {
    return this.json<T>(await this.send({ method: 'POST', path: API + path, json: body }, what));
  }

  async json<T>(res: Response): Promise<T> {
    const text = await res.text();
    return (text ? JSON.parse(text) : {}) as T;
  }
}
