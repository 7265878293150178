import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PiaError } from '../../common/errors.js';
import { checkRef, checkRepoUrl } from '../../common/repo-url.js';

const run = promisify(execFile);

/** Settings for git in deploys. */
export interface GitOptions {
  allowFile: boolean;
  /** Streams git's own progress into the task's output. */
  onOutput(text: string): void;
  signal?: AbortSignal;
}

/** Transport protections on every git call: never a transport helper; local files only when allowed. */
function gitConfig(allowFile: boolean): string[] {
  return ['-c', 'protocol.ext.allow=never', '-c', `protocol.file.allow=${allowFile ? 'always' : 'never'}`, '-c', 'core.hooksPath=/dev/null'];
}

const gitEnv = (): NodeJS.ProcessEnv => ({ ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '', SSH_ASKPASS: '', GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes' });

async function git(args: string[], opts: GitOptions, cwd?: string): Promise<string> {
  try {
    const { stdout, stderr } = await run('git', [...gitConfig(opts.allowFile), ...args], { cwd, env: gitEnv(), maxBuffer: 16 * 1024 * 1024, signal: opts.signal, timeout: 30 * 60_000 });
    if (stderr.trim()) opts.onOutput(stderr);
    return stdout.trim();
  } catch (err) {
    const e = err as { stderr?: string; code?: string | number; message: string };
    if (e.code === 'ENOENT') throw new PiaError('git_missing', 'git is not installed on this machine; install it (e.g. apt-get install git) to deploy.');
    if (e.stderr) opts.onOutput(e.stderr);
    throw new PiaError('git_failed', `git ${args.find((a) => !a.startsWith('-')) ?? ''} failed: ${(e.stderr ?? e.message).trim().split('\n').slice(-3).join(' ').slice(0, 500)}`);
  }
}

async function tryRevParse(dir: string, name: string, opts: GitOptions): Promise<string | undefined> {
  try {
    return (await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${name}^{commit}`], { ...opts, onOutput: () => undefined }, dir)) || undefined;
  } catch {
    return undefined;
  }
}

/** Progress reported while a workspace is prepared. */
export type GitStep = { step: 'cloning' | 'fetching'; message: string } | { step: 'checked_out'; message: string; sha: string };

/**
 * Clones the repository into `dir`, or fetches when it is already there, and checks out `ref` (a branch, tag or
 * commit; the remote's default branch when absent). A branch is fast-forwarded, never reset, so earlier local work
 * is not thrown away: a diverged branch is an error that says so. Every call is an argv array with `--`/
 * `--end-of-options` before user values, after the URL and ref were checked.
 */
export async function prepareWorkspace(dir: string, url: string, ref: string | undefined, opts: GitOptions, onStep: (s: GitStep) => void): Promise<string> {
  checkRepoUrl(url, { allowFile: opts.allowFile });
  if (ref !== undefined) checkRef(ref);
  if (existsSync(path.join(dir, '.git'))) {
    const remote = await git(['remote', 'get-url', 'origin'], opts, dir).catch(() => '');
    if (remote !== url) {
      throw new PiaError('workspace_conflict', `${dir} already holds a clone of ${remote || 'another repository'}, not ${url}; move it away or deploy into another workspace.`);
    }
    onStep({ step: 'fetching', message: `fetching ${url}` });
    await git(['fetch', '--prune', '--tags', '--quiet', 'origin'], opts, dir);
  } else if (existsSync(dir)) {
    throw new PiaError('workspace_conflict', `${dir} exists and is not a git repository; move it away first.`);
  } else {
    onStep({ step: 'cloning', message: `cloning ${url}` });
    await git(['clone', '--no-checkout', '--quiet', '--', url, dir], opts);
  }

  let branch: string | undefined;
  let target: string | undefined;
  if (ref === undefined) {
    const head = await git(['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD'], opts, dir).catch(() => '');
    branch = head.replace(/^origin\//, '') || undefined;
    target = branch ? await tryRevParse(dir, `refs/remotes/origin/${branch}`, opts) : undefined;
    if (!target) throw new PiaError('ref_unknown', 'The repository has no default branch to check out; name one with --ref.');
  } else {
    target = await tryRevParse(dir, `refs/remotes/origin/${ref}`, opts);
    if (target) branch = ref;
    else target = await tryRevParse(dir, `refs/tags/${ref}`, opts) ?? (await tryRevParse(dir, ref, opts));
    if (!target) throw new PiaError('ref_unknown', `No branch, tag or commit "${ref}" in ${url}.`);
  }

  if (branch) {
    const local = await tryRevParse(dir, `refs/heads/${branch}`, opts);
    if (local) {
      await git(['checkout', '--quiet', branch, '--'], opts, dir);
      try {
        await git(['merge', '--ff-only', '--quiet', target], opts, dir);
      } catch {
        throw new PiaError('branch_diverged', `The local branch ${branch} in ${dir} has commits that are not on origin/${branch}; push or move them, then deploy again.`);
      }
    } else {
      await git(['checkout', '--quiet', '-b', branch, '--track', `origin/${branch}`], opts, dir);
    }
  } else {
    await git(['checkout', '--quiet', '--detach', target], opts, dir);
  }
  const sha = await git(['rev-parse', 'HEAD'], opts, dir);
  onStep({ step: 'checked_out', message: `checked out ${sha.slice(0, 12)}${branch ? ` (${branch})` : ref ? ` (${ref})` : ''}`, sha });
  return sha;
}
