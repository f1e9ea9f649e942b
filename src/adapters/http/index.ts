export { HttpTransport, HttpConnectionError, redactUrl } from './transport.js';
export type { HttpRequest, HttpTransportOptions, FetchLike, BodySource, RetryEvent } from './transport.js';
export { retryPolicyFromEnv, defaultRetryPolicy, backoffDelayMs, parseRetryAfter, TRANSIENT_STATUSES, NOT_ACTED_ON_STATUSES } from './retry-policy.js';
export type { Backoff, RetryPolicy } from './retry-policy.js';
export { credentialsFromEnv } from './credentials.js';
export type { CredentialsProvider, CredentialsKind } from './credentials.js';
export { endpoint, encodePath } from './endpoint.js';
export { looksLikeHtml, htmlAnswerMessage, htmlErrorMessage, pageTitle, urlForMessage } from './html-answer.js';
export type { HtmlAnswer } from './html-answer.js';
