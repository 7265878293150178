import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { errorMessage, PiaError } from '../../common/errors.js';
import { git, quiet, tryRevParse, type GitOptions } from './git-command.js';
import type { StartPoint } from './git-workspace.js';
import { withRepoLock } from './repo-lock.js';
import { readMeta, worktreePath, WORKTREES_DIR, writeMeta } from './worktree-meta.js';

/** A task's own worktree: its folder, its branch `pia/<owner>`, and where that branch started. */
export interface TaskWorktree {
  owner: string;
  branch: string;
  path: string;
  /** The repository it belongs to (the deploy's clone, or the checkout the task was run in). */
  repo: string;
  base: string;
  baseRef?: string;
}

/** Fills a worktree added without a checkout: its index and files from its HEAD (outside the repository's lock). */
async function checkOut(dir: string, opts: GitOptions): Promise<void> {
  await git(['reset', '--hard', '--quiet'], opts, dir);
}

/** Whether `dir` is the top of a git checkout (its own `.git`, a folder or a worktree's file). */
export function isCheckout(dir: string): boolean {
  return existsSync(path.join(dir, '.git'));
}

/** The branch name of a task's worktree. */
export const branchOf = (owner: string): string => `pia/${owner}`;

/** Where a task in a checkout starts: its HEAD, and the branch checked out there (if one is). */
export async function headStart(repo: string, opts: GitOptions): Promise<StartPoint> {
  const sha = await tryRevParse(repo, 'HEAD', opts);
  if (!sha) throw new PiaError('repo_empty', `${repo} has no commit yet, so a task cannot get a branch of its own there; make a first commit.`);
  const branch = await git(['symbolic-ref', '--quiet', '--short', 'HEAD'], quiet(opts), repo).catch(() => '');
  return { sha, ...(branch ? { branch } : {}) };
}

/**
 * Makes task `taskId`'s worktree: a new branch `pia/<taskId>` from `start`, checked out in
 * `<root>/.pia-worktrees/<taskId>`. A branch of that name already there is refused (PIA never takes over or moves a
 * branch it did not make for this task), as is a folder already at that place.
 */
export async function createWorktree(p: { root: string; repo: string; taskId: string; start: StartPoint; opts: GitOptions }): Promise<TaskWorktree> {
  const branch = branchOf(p.taskId);
  const dir = worktreePath(p.root, p.taskId);
  if (existsSync(dir)) throw new PiaError('workspace_conflict', `${dir} already exists; move it away, then run the task again.`);
  mkdirSync(path.join(p.root, WORKTREES_DIR), { recursive: true });
  try {
    // `-b` refuses a branch that exists (git checks under the ref's lock, so no other task can slip in between).
    await withRepoLock(p.repo, () => git(['worktree', 'add', '--quiet', '--no-checkout', '--no-track', '-b', branch, '--', dir, p.start.sha], quiet(p.opts), p.repo));
  } catch (err) {
    if (/already exists/.test(errorMessage(err)) && (await tryRevParse(p.repo, `refs/heads/${branch}`, p.opts))) {
      throw new PiaError('branch_exists', `The branch ${branch} already exists in ${p.repo}; PIA will not take it over. Rename or delete it there (git branch -m ${branch} <name>), then run the task again.`);
    }
    throw err;
  }
  const wt: TaskWorktree = { owner: p.taskId, branch, path: dir, repo: p.repo, base: p.start.sha, ...(p.start.branch ? { baseRef: p.start.branch } : {}) };
  // Written before the checkout: a worktree whose checkout failed is still known, and pruned in time.
  writeMeta(p.root, { owner: wt.owner, repo: wt.repo, branch, base: wt.base, ...(wt.baseRef ? { baseRef: wt.baseRef } : {}), createdAt: Date.now() });
  await checkOut(dir, p.opts);
  return wt;
}

/**
 * Opens task `owner`'s worktree again for a follow-up: as it is when its folder is there; checked out anew from its
 * branch when the folder was pruned; `worktree_gone` when the branch is gone too.
 */
export async function reuseWorktree(p: { root: string; repo: string; owner: string; opts: GitOptions }): Promise<TaskWorktree> {
  const branch = branchOf(p.owner);
  const dir = worktreePath(p.root, p.owner);
  const meta = readMeta(p.root, p.owner);
  const repo = meta?.repo ?? p.repo;
  if (!isCheckout(dir)) {
    const tip = await tryRevParse(repo, `refs/heads/${branch}`, p.opts);
    if (!tip) throw new PiaError('worktree_gone', `The branch ${branch} of task ${p.owner} is no longer in ${repo}, so its work cannot be continued there; start a new task.`);
    await withRepoLock(repo, async () => {
      await git(['worktree', 'prune'], quiet(p.opts), repo);
      await git(['worktree', 'add', '--quiet', '--no-checkout', '--', dir, branch], p.opts, repo);
    });
    await checkOut(dir, p.opts);
  }
  const base = meta?.base ?? (await git(['rev-parse', 'HEAD'], p.opts, dir));
  writeMeta(p.root, { owner: p.owner, repo, branch, base, ...(meta?.baseRef ? { baseRef: meta.baseRef } : {}), createdAt: meta?.createdAt ?? Date.now() });
  return { owner: p.owner, branch, path: dir, repo, base, ...(meta?.baseRef ? { baseRef: meta.baseRef } : {}) };
}
