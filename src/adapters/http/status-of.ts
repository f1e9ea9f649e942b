// What a vendor client's error says about the answer behind it: gitbeaker keeps the Response in
// `cause.response` (its body text in `cause.description`), octokit a plain copy in `response`.

interface VendorError {
  status?: unknown;
  request?: { url?: unknown };
  response?: { url?: unknown; headers?: Record<string, unknown>; data?: unknown };
  cause?: { description?: unknown; request?: { url?: unknown }; response?: { status?: unknown; url?: unknown; headers?: { get?: (name: string) => string | null } } };
}

/** HTTP status of a vendor client's error: gitbeaker (`cause.response.status`) or octokit (`status`). */
export function httpStatusOf(e: unknown): number | undefined {
  const err = e as VendorError | undefined;
  const s = err?.cause?.response?.status ?? err?.status;
  return typeof s === 'number' ? s : undefined;
}

/** A header of the answer behind the error (name in lower case); undefined when absent. */
export function answerHeaderOf(e: unknown, name: string): string | undefined {
  const err = e as VendorError | undefined;
  const v = err?.cause?.response?.headers?.get?.(name) ?? err?.response?.headers?.[name];
  return typeof v === 'string' ? v : undefined;
}

/** The answer's body as text when the client kept it as text ('' otherwise). */
export function answerBodyOf(e: unknown): string {
  const err = e as VendorError | undefined;
  const b = err?.cause?.description ?? err?.response?.data;
  return typeof b === 'string' ? b : '';
}

/** The URL the failed request went to, when the client kept it. */
export function requestUrlOf(e: unknown): string | undefined {
  const err = e as VendorError | undefined;
  const u = err?.cause?.request?.url ?? err?.cause?.response?.url ?? err?.response?.url ?? err?.request?.url;
  return typeof u === 'string' && u ? u : undefined;
}
