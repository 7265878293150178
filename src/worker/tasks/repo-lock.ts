import path from 'node:path';

const tails = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` alone among the calls for the same repository in this process. Git does not make adding and removing
 * worktrees safe against each other: one `git worktree add` reads the others' half-written admin folders and fails
 * ("failed to read .git/worktrees/<name>/commondir"). Only that bookkeeping is serialised; the checkouts, the slow
 * part, run side by side.
 */
export async function withRepoLock<T>(repo: string, fn: () => Promise<T>): Promise<T> {
  const key = path.resolve(repo);
  const before = tails.get(key) ?? Promise.resolve();
  const run = before.catch(() => undefined).then(fn);
  const tail = run.catch(() => undefined);
  tails.set(key, tail);
  try {
    return await run;
  } finally {
    if (tails.get(key) === tail) tails.delete(key);
  }
}
