import type { WorktreeCommit, WorktreeResult } from '../../protocol/worktree.js';
import { git, quiet, type GitOptions } from './git-command.js';
import { IDENTITY_FILE } from './identity.js';
import type { TaskWorktree } from './task-worktree.js';

/** Lines of `git diff --stat` shown (the summary line is always kept). */
const STAT_FILES = 30;
const COMMITS_LISTED = 50;

/** Who PIA's own commit is by when the machine's git has no identity configured. */
async function authorArgs(dir: string, opts: GitOptions): Promise<string[]> {
  const email = await git(['config', '--get', 'user.email'], quiet(opts), dir).catch(() => '');
  const name = await git(['config', '--get', 'user.name'], quiet(opts), dir).catch(() => '');
  return [...(name ? [] : ['-c', 'user.name=PIA']), ...(email ? [] : ['-c', 'user.email=pia@localhost'])];
}

/**
 * Commits what the agent left uncommitted in the worktree (never the identity file PIA wrote there), with a message
 * that names the task and how it ended. Returns whether there was anything to commit.
 */
export async function commitLeftovers(wt: TaskWorktree, task: { id: string; state: string; prompt?: string }, opts: GitOptions): Promise<boolean> {
  const status = await git(['status', '--porcelain', '--untracked-files=all'], quiet(opts), wt.path);
  if (status === '') return false;
  await git(['add', '--all'], opts, wt.path);
  // The identity file is excluded from git; should that exclusion be missing, it is still never committed.
  await git(['reset', '--quiet', '--', IDENTITY_FILE], quiet(opts), wt.path);
  const staged = await git(['diff', '--cached', '--name-only'], quiet(opts), wt.path);
  if (staged === '') return false;
  const what = (task.prompt ?? '').replace(/\s+/g, ' ').trim().slice(0, 200);
  const message = `PIA task ${task.id}: work the agent left uncommitted (task ${task.state.replace('_', ' ')})${what ? `\n\nThe task: ${what}` : ''}`;
  await git([...(await authorArgs(wt.path, opts)), 'commit', '--quiet', '--no-verify', '-m', message], opts, wt.path);
  return true;
}

/** `git diff --stat` of the branch against its base, at most {@link STAT_FILES} files and the summary line. */
export async function diffStat(wt: TaskWorktree, opts: GitOptions): Promise<string> {
  return git(['diff', '--stat=100', `--stat-count=${STAT_FILES}`, `${wt.base}..HEAD`, '--'], quiet(opts), wt.path);
}

/** The commits on the branch since its base (newest first, at most {@link COMMITS_LISTED}) and how many in all. */
export async function branchCommits(wt: TaskWorktree, opts: GitOptions): Promise<{ commits: WorktreeCommit[]; count: number }> {
  const range = `${wt.base}..HEAD`;
  const count = Number(await git(['rev-list', '--count', range, '--'], quiet(opts), wt.path)) || 0;
  const log = await git(['log', `--max-count=${COMMITS_LISTED}`, '--format=%h%x1f%s', range, '--'], quiet(opts), wt.path);
  const commits = log
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [sha = '', subject = ''] = line.split('\x1f');
      return { sha, subject: subject.slice(0, 500) };
    });
  return { commits, count };
}

/**
 * The branch at the task's end: what PIA committed for the agent, the diffstat and the commits. A git failure here
 * does not fail the task: the result says what went wrong, and the work stays in the worktree.
 */
export async function worktreeResult(wt: TaskWorktree, task: { id: string; state: string; prompt?: string }, opts: GitOptions): Promise<WorktreeResult> {
  const result: WorktreeResult = { owner: wt.owner, branch: wt.branch, path: wt.path, base: wt.base, ...(wt.baseRef ? { baseRef: wt.baseRef } : {}), diffstat: '', commits: [], commitCount: 0, committedForAgent: false };
  try {
    result.committedForAgent = await commitLeftovers(wt, task, opts);
    result.diffstat = (await diffStat(wt, opts)).slice(0, 20_000);
    const { commits, count } = await branchCommits(wt, opts);
    result.commits = commits;
    result.commitCount = count;
  } catch (err) {
    result.error = `${(err as Error).message}`.slice(0, 2000);
  }
  return result;
}
