// One error type for MLflow's `{error_code, message}` answers (like MlflowException on the
// Python side), plus the mapping of "cannot talk to the server at all" to UnavailableError.

import { DapError, UnavailableError } from '../../errors.js';
import { htmlAnswerMessage } from '../http/html-answer.js';

export class MlflowError extends DapError {
  /** MLflow's error code, e.g. RESOURCE_DOES_NOT_EXIST, INVALID_PARAMETER_VALUE */
  readonly errorCode: string;
  readonly status: number;
  constructor(errorCode: string, status: number, message: string, hint?: string) {
    super(message, { hint });
    this.name = 'MlflowError';
    this.errorCode = errorCode;
    this.status = status;
  }
}

/** Parses an error body; falls back to the HTTP status when it is not MLflow's JSON (e.g. a proxy page). */
export function mlflowErrorFrom(status: number, bodyText: string, what: string): MlflowError {
  let code = `HTTP_${status}`;
  let message = bodyText.trim().slice(0, 500);
  try {
    const j = JSON.parse(bodyText) as { error_code?: unknown; message?: unknown };
    if (typeof j.error_code === 'string') code = j.error_code;
    if (typeof j.message === 'string') message = j.message;
  } catch {
    /* not JSON: keep the text */
  }
  return new MlflowError(code, status, `MLflow ${what}: ${code}${message ? `: ${message}` : ''}`);
}

const URI_HINT = 'check MLFLOW_TRACKING_URI (is the server up? `scripts/services.sh status`)';
const AUTH_HINT =
  'check MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD (basic) or MLFLOW_TRACKING_TOKEN (bearer)';

export function unreachable(trackingUri: string, detail: string, cause?: unknown): UnavailableError {
  return new UnavailableError(`MLflow at ${trackingUri} is unreachable (${detail})`, URI_HINT, cause);
}

/** A server that accepted the connection and never answered: not tried again by this process. */
export function silent(trackingUri: string, timeoutMs: number, cause?: unknown): UnavailableError {
  return new UnavailableError(
    `MLflow at ${trackingUri} did not answer within ${timeoutMs / 1000} s (the connection was accepted, no answer came); not trying it again in this process`,
    `${URI_HINT}; MLFLOW_HTTP_REQUEST_TIMEOUT sets how long to wait`,
    cause,
  );
}

/** MLflow's host-header check (DNS-rebinding protection, mlflow server --allowed-hosts) refused us. */
export function hostRefused(trackingUri: string, status: number, serverMessage: string): UnavailableError {
  let host = trackingUri;
  try { host = new URL(trackingUri).host; } catch { /* keep the URI */ }
  return new UnavailableError(
    `MLflow at ${trackingUri} refused the request (HTTP ${status}): ${serverMessage.trim().slice(0, 200)}`,
    `the server only answers requests for the host names it allows: start it with \`mlflow server --allowed-hosts ${host}\` (or MLFLOW_SERVER_ALLOWED_HOSTS=${host}), or use an address it already allows`,
  );
}

export function isHostRefusal(status: number, body: string): boolean {
  return status === 403 && /Invalid Host header/i.test(body);
}

/** An HTML page where MLflow's JSON was expected (the shared sentence), with MLflow's hint. */
export function htmlAnswer(url: string, status: number, body: string, what: string): UnavailableError {
  return new UnavailableError(
    htmlAnswerMessage({ vendor: 'MLflow', url, status, body, what }),
    'check that MLFLOW_TRACKING_URI is the MLflow server\'s own address (scheme, host, port, path prefix) and what answers there (`curl -i URL`)',
  );
}

export function refused(trackingUri: string, status: number): UnavailableError {
  return new UnavailableError(
    `MLflow at ${trackingUri} refused the credentials (HTTP ${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'})`,
    AUTH_HINT,
  );
}

export function isNotFound(err: unknown): boolean {
  return err instanceof MlflowError && (err.errorCode === 'RESOURCE_DOES_NOT_EXIST' || err.status === 404);
}

export function isAlreadyExists(err: unknown): boolean {
  return err instanceof MlflowError && err.errorCode === 'RESOURCE_ALREADY_EXISTS';
}

/** A transient status (408, 429, 5xx) still answered after the retries. */
export function unavailable(trackingUri: string, error: MlflowError): UnavailableError {
  return new UnavailableError(
    `MLflow at ${trackingUri} is unavailable (HTTP ${error.status} after retries: ${error.message})`,
    'check that the tracking server and the database behind it are up, then try again',
    error,
  );
}
