/** HTTP status of a vendor client's error: gitbeaker (`cause.response.status`) or octokit (`status`). */
export function httpStatusOf(e: unknown): number | undefined {
  const err = e as { status?: unknown; cause?: { response?: { status?: unknown } } } | undefined;
  const s = err?.cause?.response?.status ?? err?.status;
  return typeof s === 'number' ? s : undefined;
}
