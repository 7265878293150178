import { z } from 'zod';

/** A commit the task's branch has over its base: short sha and subject. */
export const WorktreeCommit = z.object({ sha: z.string().max(64), subject: z.string().max(500) });
export type WorktreeCommit = z.infer<typeof WorktreeCommit>;

/** What happened to `--push`: pushed (and a pull request, where `gh` could open one), or why not. */
export const WorktreePush = z.object({
  ok: z.boolean(),
  /** The remote the branch went to (its URL without credentials). */
  remote: z.string().max(2048).optional(),
  /** The pull request's link, when one was opened (or already open for the branch). */
  pullRequest: z.string().max(2048).optional(),
  /** Why the pull request was not opened (no gh, not logged in, no base branch), when the push itself worked. */
  note: z.string().max(2000).optional(),
  /** Why the push failed: the branch and the worktree are kept on the machine. */
  error: z.string().max(4000).optional(),
});
export type WorktreePush = z.infer<typeof WorktreePush>;

/**
 * A task's branch at its end, as the worker reports it: where the worktree is, the branch and its base, what
 * `git diff --stat` says against the base, the commits on it (those PIA made for work left uncommitted included).
 */
export const WorktreeResult = z.object({
  /** The task whose worktree this is (a follow-up works in its first task's worktree). */
  owner: z.string().regex(/^[a-z0-9]{8,32}$/),
  branch: z.string().max(255),
  path: z.string().max(4096),
  /** The commit the branch was made from. */
  base: z.string().max(64),
  /** The branch it was made from (the deploy's ref, or the checkout's branch); absent for a tag or a commit. */
  baseRef: z.string().max(255).optional(),
  /** `git diff --stat` of base..branch, cut to a readable size. */
  diffstat: z.string().max(20_000),
  commits: z.array(WorktreeCommit).max(50),
  /** How many commits there are in all (only the newest 50 are listed). */
  commitCount: z.number().int().nonnegative(),
  /** PIA committed what the agent left uncommitted (that commit is among `commits`). */
  committedForAgent: z.boolean(),
  push: WorktreePush.optional(),
  /** Something went wrong while the result was gathered (the work is still on the machine). */
  error: z.string().max(2000).optional(),
});
export type WorktreeResult = z.infer<typeof WorktreeResult>;
