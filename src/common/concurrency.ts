import { PiaError } from './errors.js';

/**
 * Maps `items` through `fn` with at most `limit` calls in flight; results keep the input order.
 *
 * On the first rejection no new calls start, the calls already in flight are allowed to settle (so no
 * work is left running unseen behind the caller's back), and then the whole rejects with that first
 * error. Later rejections are dropped. Throws `limit_invalid` unless `limit` is a whole number >= 1.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new PiaError('limit_invalid', `A concurrency limit must be a whole number of 1 or more, got ${limit}`);
  }
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;

  async function worker(): Promise<void> {
    while (next < items.length && !failure) {
      const index = next++;
      try {
        // Wrapped so a synchronous throw in fn counts as a rejection of that item.
        results[index] = await (async () => fn(items[index] as T, index))();
      } catch (error) {
        failure ??= { error };
      }
    }
  }

  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}
