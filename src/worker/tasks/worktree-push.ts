import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { errorMessage } from '../../common/errors.js';
import { checkRepoUrl } from '../../common/repo-url.js';
import type { WorktreePush } from '../../protocol/worktree.js';
import { git, quiet, type GitOptions } from './git-command.js';
import type { TaskWorktree } from './task-worktree.js';

const run = promisify(execFile);

/** A remote's URL fit to show: without a user name or password in it. */
export function shownUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1');
}

async function onPath(program: string, pathEnv: string): Promise<string | undefined> {
  for (const dir of pathEnv.split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, program);
    try {
      await access(file, constants.X_OK);
      return file;
    } catch {
      // the next directory
    }
  }
  return undefined;
}

/** What the pull request says: the task's words as its title, its summary and where it came from as its body. */
export interface PullRequestText {
  title: string;
  body: string;
}

/**
 * Opens a pull request for the branch with `gh`, where it is installed and logged in, or finds the one already open
 * for it (a follow-up pushes the same branch again). Never fails: what stopped it is the `note`.
 */
async function pullRequest(wt: TaskWorktree, text: PullRequestText, env: NodeJS.ProcessEnv): Promise<Pick<WorktreePush, 'pullRequest' | 'note'>> {
  const gh = await onPath('gh', env.PATH ?? '');
  if (!gh) return { note: 'gh is not installed on this machine, so no pull request was opened; open one for the branch yourself.' };
  if (!wt.baseRef) return { note: 'the task started from a tag or a commit, not a branch, so no pull request was opened.' };
  const ghEnv = { ...env, GH_PROMPT_DISABLED: '1', GH_NO_UPDATE_NOTIFIER: '1', NO_COLOR: '1' };
  const call = (args: string[]) => run(gh, args, { cwd: wt.path, env: ghEnv, timeout: 120_000, maxBuffer: 1024 * 1024 });
  try {
    await call(['auth', 'status']);
  } catch {
    return { note: 'gh is not logged in on this machine (gh auth login), so no pull request was opened.' };
  }
  const link = (out: string) => out.split('\n').map((l) => l.trim()).reverse().find((l) => /^https?:\/\/\S+$/.test(l));
  try {
    const existing = link((await call(['pr', 'view', wt.branch, '--json', 'url', '--jq', '.url'])).stdout);
    if (existing) return { pullRequest: existing };
  } catch {
    // none open yet
  }
  try {
    const { stdout } = await call(['pr', 'create', `--head=${wt.branch}`, `--base=${wt.baseRef}`, `--title=${text.title}`, `--body=${text.body}`]);
    const url = link(stdout);
    return url ? { pullRequest: url } : { note: `gh opened no pull request: ${stdout.trim().slice(0, 300)}` };
  } catch (err) {
    const e = err as { stderr?: string };
    return { note: `gh could not open a pull request: ${(e.stderr || errorMessage(err)).trim().split('\n').slice(-2).join(' ').slice(0, 500)}` };
  }
}

/**
 * Pushes the task's branch to its repository's `origin` with the machine's own git credentials (its credential
 * helpers and ssh keys; git never prompts), then opens a pull request where `gh` can. A failed push is reported with
 * git's reason; the branch and the worktree stay on the machine either way.
 */
export async function pushBranch(wt: TaskWorktree, text: PullRequestText, opts: GitOptions, env: NodeJS.ProcessEnv): Promise<WorktreePush> {
  const remotes = (await git(['remote'], quiet(opts), wt.repo).catch(() => '')).split('\n').filter(Boolean);
  if (!remotes.includes('origin')) return { ok: false, error: `${wt.repo} has no remote called origin to push to; the branch ${wt.branch} is kept on this machine.` };
  const url = await git(['remote', 'get-url', 'origin'], quiet(opts), wt.repo).catch(() => '');
  const remote = shownUrl(url);
  try {
    // The same rules as a deploy's URL: whatever set origin since (an agent can), no transport helper, no option.
    checkRepoUrl(url, { allowFile: opts.allowFile });
    await git(['push', '--quiet', '--porcelain', '--end-of-options', 'origin', `refs/heads/${wt.branch}:refs/heads/${wt.branch}`], { ...opts, timeoutMs: 10 * 60_000 }, wt.path);
  } catch (err) {
    return { ok: false, remote, error: `${errorMessage(err)}; the branch ${wt.branch} is kept on this machine in ${wt.path}.` };
  }
  return { ok: true, remote, ...(await pullRequest(wt, text, env)) };
}
