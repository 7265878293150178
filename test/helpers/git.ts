import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.test', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.test' };

/** Runs git with an argv array in `cwd`; returns stdout. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim();
}

/**
 * A bare repository with one commit on `main` (README.md) and a tag v1, made from a scratch clone; returns its
 * file:/// URL, the bare path and a function to add commits.
 */
export function makeBareRepo(
  dir: string,
  name = 'app',
): { url: string; bare: string; commit(file: string, text: string, branch?: string): string; commitSymlink(file: string, target: string): string } {
  const bare = path.join(dir, `${name}.git`);
  const work = path.join(dir, `${name}-src`);
  git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
  git(dir, 'init', '--quiet', '--initial-branch=main', work);
  git(work, 'remote', 'add', 'origin', bare);
  const commit = (file: string, text: string, branch = 'main') => {
    const current = git(work, 'symbolic-ref', '--short', 'HEAD');
    if (current !== branch) {
      try {
        git(work, 'checkout', '--quiet', branch);
      } catch {
        git(work, 'checkout', '--quiet', '-b', branch);
      }
    }
    mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
    writeFileSync(path.join(work, file), text);
    git(work, 'add', file);
    git(work, 'commit', '--quiet', '-m', `update ${file}`);
    git(work, 'push', '--quiet', 'origin', branch);
    return git(work, 'rev-parse', 'HEAD');
  };
  /** Commits `file` on main as a symbolic link to `target` (what a hostile repository can do). */
  const commitSymlink = (file: string, target: string) => {
    rmSync(path.join(work, file), { force: true, recursive: true });
    symlinkSync(target, path.join(work, file));
    git(work, 'add', file);
    git(work, 'commit', '--quiet', '-m', `link ${file}`);
    git(work, 'push', '--quiet', 'origin', 'main');
    return git(work, 'rev-parse', 'HEAD');
  };
  commit('README.md', '# app\n');
  git(work, 'tag', 'v1');
  git(work, 'push', '--quiet', 'origin', 'v1');
  return { url: `file://${bare}`, bare, commit, commitSymlink };
}
