import pLimit from 'p-limit';

/**
 * Runs `fn` over `items`, at most `limit` at once (p-limit); results come back in item order.
 * After the first failure no further item starts, the running ones are awaited, then that first
 * failure is thrown: nothing of ours is still writing when the caller cleans up (closes a journal,
 * aborts an upload).
 */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const run = pLimit(Math.max(1, Math.floor(limit) || 1));
  let failure: { error: unknown } | undefined;
  const settled = await Promise.allSettled(items.map((item, i) => run(async () => {
    if (failure) return undefined as R; // skipped: an earlier item failed
    try {
      return await fn(item, i);
    } catch (error) {
      failure ??= { error };
      throw error;
    }
  })));
  if (failure) throw failure.error;
  return settled.map((s) => (s as PromiseFulfilledResult<R>).value);
}
