import { existsSync } from 'node:fs';
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { git, type GitOptions } from './git-command.js';
import { withRepoLock } from './repo-lock.js';
import { allMeta, worktreePath, writeMeta } from './worktree-meta.js';

/** What a pruning did: folders removed, dirty ones kept (with where they are), and failures. */
export interface PruneReport {
  removed: string[];
  keptDirty: string[];
  failed: Array<{ path: string; error: string }>;
}

/**
 * Removes the worktree folders of tasks that ended more than `keepMs` ago (a task that never ended, because its
 * worker stopped, counts from when its worktree was made). The branch stays: its commits are the task's work. A
 * worktree with uncommitted changes or untracked files is never removed: it is kept and the log says so (once per
 * worktree, with the command to look at it); `git worktree remove` without --force refuses such a tree as well. A
 * worktree a task works in (`busy`) is left alone.
 */
export async function pruneWorktrees(p: { root: string; keepMs: number; now: number; busy(owner: string): boolean; allowFile: boolean; log: Logger }): Promise<PruneReport> {
  const report: PruneReport = { removed: [], keptDirty: [], failed: [] };
  const opts: GitOptions = { allowFile: p.allowFile, onOutput: () => undefined, timeoutMs: 5 * 60_000 };
  for (const meta of allMeta(p.root)) {
    if (meta.prunedAt !== undefined || p.busy(meta.owner)) continue;
    if (p.now - (meta.finishedAt ?? meta.createdAt) < p.keepMs) continue;
    const dir = worktreePath(p.root, meta.owner);
    try {
      if (!existsSync(dir)) {
        writeMeta(p.root, { ...meta, prunedAt: p.now });
        continue;
      }
      const status = await git(['status', '--porcelain', '--untracked-files=normal'], opts, dir);
      if (status !== '') {
        report.keptDirty.push(dir);
        if (meta.keptDirtyAt === undefined) {
          p.log.warn({ worktree: dir, branch: meta.branch, changes: status.split('\n').length }, `worktree kept: it has uncommitted changes; look with git -C ${dir} status, then commit or remove it yourself`);
          writeMeta(p.root, { ...meta, keptDirtyAt: p.now });
        }
        continue;
      }
      await withRepoLock(meta.repo, () => git(['worktree', 'remove', '--', dir], opts, meta.repo));
      writeMeta(p.root, { ...meta, prunedAt: p.now });
      report.removed.push(dir);
      p.log.info({ worktree: dir, branch: meta.branch }, 'worktree pruned; its branch is kept');
    } catch (err) {
      report.failed.push({ path: dir, error: errorMessage(err) });
      p.log.warn({ worktree: dir, err: errorMessage(err) }, 'worktree not pruned');
    }
  }
  return report;
}
