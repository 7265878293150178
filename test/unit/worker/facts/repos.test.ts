import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  findGitRepos,
  parseGitRemotes,
  parseHeadBranch,
  redactRemoteUrl,
} from '../../../../src/worker/facts/repos.js';

const run = promisify(execFile);

/** Real git, isolated from the user's and system's config so defaults cannot change the outcome. */
async function git(cwd: string, ...args: string[]): Promise<void> {
  await run('git', ['-c', 'user.name=PIA Test', '-c', 'user.email=test@example.invalid', ...args], {
    cwd,
    env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
  });
}

async function initRepo(dir: string, branch = 'main'): Promise<void> {
  await mkdir(dir, { recursive: true });
  await git(dir, 'init', '-q', '-b', branch);
}

describe('findGitRepos over a real tree', () => {
  let root = '';
  let outside = '';

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'pia-repos-'));
    outside = await mkdtemp(path.join(os.tmpdir(), 'pia-repos-outside-'));

    // app: an https remote with a password, plus a second remote that must not win over origin.
    await initRepo(path.join(root, 'app'));
    await git(path.join(root, 'app'), 'remote', 'add', 'backup', 'git@backup.example:acme/app.git');
    await git(path.join(root, 'app'), 'remote', 'add', 'origin', 'https://alice:s3cret@github.com/acme/app.git');
    // A repository inside app's working tree: not searched, since app is a repository.
    await initRepo(path.join(root, 'app', 'vendor', 'inner'));
    // A repository in node_modules: skipped.
    await initRepo(path.join(root, 'app2', 'node_modules', 'dep'));
    await initRepo(path.join(root, 'app2', 'src'), 'develop');
    await git(path.join(root, 'app2', 'src'), 'remote', 'add', 'upstream', 'ssh://bob:hunter2@git.example/src.git');

    // detached: a commit, then HEAD detached from any branch. No remote.
    const detached = path.join(root, 'group', 'detached');
    await initRepo(detached);
    await git(detached, 'commit', '-q', '--allow-empty', '-m', 'first');
    await git(detached, 'checkout', '-q', '--detach');
    // wt: a real worktree of `detached`, whose `.git` is a `gitdir:` file.
    await git(detached, 'worktree', 'add', '-q', '-b', 'feature/x', path.join(root, 'group', 'wt'));
    await git(detached, 'remote', 'add', 'origin', 'https://token123@git.example/detached.git');

    // A hand-made submodule-style `.git` file with a relative gitdir.
    await initRepo(path.join(root, 'group', '.modules', 'sub'), 'sub-branch');
    await mkdir(path.join(root, 'group', 'sub'));
    await writeFile(path.join(root, 'group', 'sub', '.git'), 'gitdir: ../.modules/sub/.git\n');

    // Hidden directories and symlinked directories are not followed.
    await initRepo(path.join(root, '.hidden', 'secret'));
    await initRepo(path.join(outside, 'linked'));
    await symlink(path.join(outside, 'linked'), path.join(root, 'link-to-repo'));
    await symlink(outside, path.join(root, 'link-to-dir'));

    // Too deep for the default maxDepth of 3: root/a/b/c/d is level 4.
    await initRepo(path.join(root, 'a', 'b', 'c', 'd'));
    await initRepo(path.join(root, 'a', 'b', 'c3'));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it('finds the repositories with branch and credential-free remote, breadth-first', async () => {
    // Breadth-first with names sorted: level 1 (app), then level 2, then level 3; a/b/c/d is level 4.
    const repos = await findGitRepos([root, path.join(root, 'does-not-exist')]);
    expect(repos).toEqual([
      { name: 'app', path: path.join(root, 'app'), remote: 'https://github.com/acme/app.git', branch: 'main' },
      { name: 'src', path: path.join(root, 'app2', 'src'), remote: 'ssh://bob@git.example/src.git', branch: 'develop' },
      {
        name: 'detached',
        path: path.join(root, 'group', 'detached'),
        remote: 'https://git.example/detached.git',
        branch: null,
      },
      { name: 'sub', path: path.join(root, 'group', 'sub'), remote: null, branch: 'sub-branch' },
      { name: 'wt', path: path.join(root, 'group', 'wt'), remote: 'https://git.example/detached.git', branch: 'feature/x' },
      { name: 'c3', path: path.join(root, 'a', 'b', 'c3'), remote: null, branch: 'main' },
    ]);
    expect(JSON.stringify(repos)).not.toContain('s3cret');
    expect(JSON.stringify(repos)).not.toContain('hunter2');
    expect(JSON.stringify(repos)).not.toContain('token123');
  });

  it('honours maxDepth and maxRepos, and reports a repository once across overlapping roots', async () => {
    const deep = await findGitRepos([path.join(root, 'a')], { maxDepth: 3 });
    expect(deep.map((r) => r.name)).toEqual(['c3', 'd']);
    const shallow = await findGitRepos([root], { maxDepth: 1 });
    expect(shallow.map((r) => r.name)).toEqual(['app']);
    const capped = await findGitRepos([root], { maxRepos: 2 });
    expect(capped.map((r) => r.name)).toEqual(['app', 'src']);
    const overlapping = await findGitRepos([path.join(root, 'group'), root], { maxDepth: 1 });
    expect(overlapping.map((r) => r.name)).toEqual(['detached', 'sub', 'wt', 'app']);
  });

  it('treats a root that is itself a repository as one', async () => {
    const repos = await findGitRepos([path.join(root, 'app')]);
    expect(repos.map((r) => r.path)).toEqual([path.join(root, 'app')]);
  });
});

describe('parseHeadBranch', () => {
  it('reads symbolic and detached HEADs', () => {
    expect(parseHeadBranch('ref: refs/heads/main\n')).toBe('main');
    expect(parseHeadBranch('ref: refs/heads/feature/login\n')).toBe('feature/login');
    expect(parseHeadBranch('ref: refs/remotes/origin/x\n')).toBe('refs/remotes/origin/x');
    expect(parseHeadBranch('3f786850e387550fdab836ed7e6dc881de23001b\n')).toBeNull();
    expect(parseHeadBranch('')).toBeNull();
  });
});

describe('parseGitRemotes', () => {
  it('parses remotes in file order, with quoting, comments and odd spacing', () => {
    const config = [
      '[core]',
      '\turl = not-a-remote',
      '# [remote "commented"]',
      '[Remote "up stream"]',
      '\tURL = "https://example.com/a b.git" ; trailing comment',
      '\turl = https://example.com/second-url-ignored.git',
      '[remote.Old]',
      'url=git@old.example:x.git # comment',
      '[remote "origin"] url = https://example.com/origin.git',
      '[branch "main"]',
      '\tremote = origin',
      '\turl = not-a-remote-either',
    ].join('\n');
    expect(parseGitRemotes(config)).toEqual([
      { name: 'up stream', url: 'https://example.com/a b.git' },
      { name: 'old', url: 'git@old.example:x.git' },
      { name: 'origin', url: 'https://example.com/origin.git' },
    ]);
  });
});

describe('redactRemoteUrl', () => {
  it.each([
    ['https://alice:s3cret@github.com/acme/app.git', 'https://github.com/acme/app.git'],
    ['https://ghp_token@github.com/acme/app.git', 'https://github.com/acme/app.git'],
    ['HTTP://u:p@a@host:8080/r.git?x=1', 'HTTP://host:8080/r.git?x=1'],
    ['https://github.com/acme/app.git', 'https://github.com/acme/app.git'],
    ['https://github.com/acme/@scoped.git', 'https://github.com/acme/@scoped.git'],
    ['ssh://git:pw@host:22/r.git', 'ssh://git@host:22/r.git'],
    ['ssh://git@host/r.git', 'ssh://git@host/r.git'],
    ['git@github.com:acme/app.git', 'git@github.com:acme/app.git'],
    ['/srv/git/app.git', '/srv/git/app.git'],
  ])('%s -> %s', (url, safe) => {
    expect(redactRemoteUrl(url)).toBe(safe);
  });
});
