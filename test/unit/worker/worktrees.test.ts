import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PiaError } from '../../../src/common/errors.js';
import type { TaskSpec } from '../../../src/protocol/tasks.js';
import { createWorktree, headStart, reuseWorktree } from '../../../src/worker/tasks/task-worktree.js';
import { readMeta, writeMeta } from '../../../src/worker/tasks/worktree-meta.js';
import { createWorktrees } from '../../../src/worker/tasks/worktrees.js';
import { git } from '../../helpers/git.js';
import { captureLog } from '../../helpers/log-lines.js';
import { haveBinary } from '../../helpers/system.js';
import { tempDir } from '../../helpers/tmp.js';

// Real repositories on disk: worktrees, branches and pruning as git itself sees them.
const hasGit = haveBinary('git', 'apt-get install git');
const tmp = tempDir('pia-wt-unit-');
afterAll(() => tmp.cleanup());
const opts = { allowFile: true, onOutput: () => undefined };
const HOUR = 3_600_000;
let n = 0;

/** A workspace root holding one checkout `repo` with a commit on main. */
function workspace(): { root: string; repo: string } {
  const root = path.join(tmp.dir, `ws${++n}`);
  const repo = path.join(root, 'repo');
  mkdirSync(root);
  git(root, 'init', '--quiet', '--initial-branch=main', repo);
  writeFileSync(path.join(repo, 'a.txt'), 'a\n');
  git(repo, 'add', 'a.txt');
  git(repo, 'commit', '--quiet', '-m', 'first');
  return { root, repo };
}

const spec = (id: string, extra: Partial<TaskSpec> = {}): TaskSpec => ({
  id,
  kind: 'run',
  machine: 'm1',
  prompt: 'edit',
  workspace: 'repo',
  requester: 'slack:U1',
  origin: { kind: 'slack' },
  timeoutS: 60,
  hub: 'ws://127.0.0.1:1/link',
  ...extra,
});

describe.skipIf(!hasGit)('task worktrees', () => {
  it('refuses a branch pia/<task> that is already there, and leaves it alone', async () => {
    const { root, repo } = workspace();
    git(repo, 'branch', 'pia/taken0001');
    const before = git(repo, 'rev-parse', 'pia/taken0001');
    const attempt = createWorktree({ root, repo, taskId: 'taken0001', start: await headStart(repo, opts), opts });
    await expect(attempt).rejects.toThrow(PiaError);
    await expect(attempt).rejects.toMatchObject({ code: 'branch_exists', message: expect.stringContaining(`The branch pia/taken0001 already exists in ${repo}; PIA will not take it over.`) });
    expect(git(repo, 'rev-parse', 'pia/taken0001')).toBe(before);
    expect(existsSync(path.join(root, '.pia-worktrees', 'taken0001'))).toBe(false);
  });

  it('prunes clean worktrees of tasks that ended long enough ago, keeps dirty and busy ones, and keeps every branch', async () => {
    const { root, repo } = workspace();
    const { log, lines } = captureLog();
    const trees = createWorktrees({ root, keepMs: 72 * HOUR, env: process.env, allowFile: true, log, hostname: 'h' });
    const open = async (id: string) => {
      const wt = await trees.open(spec(id), repo, undefined, opts);
      await trees.conclude(wt, spec(id), 'succeeded', undefined, opts);
      wt.release();
      return wt;
    };
    const clean = await open('clean0001');
    const dirty = await open('dirty0001');
    const busy = await open('busy00001');
    const recent = await open('recent001');
    writeFileSync(path.join(dirty.path, 'a.txt'), 'changed after the task\n');
    writeFileSync(path.join(dirty.path, 'new.txt'), 'untracked\n');
    const held = await trees.open(spec('follow001', { worktreeOf: busy.owner }), repo, undefined, opts);

    // The others ended three days and a bit ago; `recent` just now.
    const now = Date.now();
    for (const wt of [clean, dirty, busy]) writeMeta(root, { ...readMeta(root, wt.owner)!, finishedAt: now - 73 * HOUR });
    const pruned = await trees.prune(now);

    expect(pruned.removed.sort()).toEqual([clean.path]);
    expect(pruned.keptDirty).toEqual([dirty.path]);
    expect(existsSync(clean.path)).toBe(false);
    expect(existsSync(path.join(dirty.path, 'new.txt'))).toBe(true);
    expect(existsSync(busy.path)).toBe(true);
    expect(existsSync(recent.path)).toBe(true);
    // Every branch is still there: the work of a pruned worktree is on it.
    for (const wt of [clean, dirty, busy, recent]) expect(git(repo, 'rev-parse', '--verify', '--quiet', wt.branch)).not.toBe('');
    // A dirty worktree is never removed silently: the log says where it is, once.
    const kept = lines.filter((l) => l.worktree === dirty.path);
    expect(kept).toHaveLength(1);
    expect(kept[0]!.msg).toBe(`worktree kept: it has uncommitted changes; look with git -C ${dirty.path} status, then commit or remove it yourself`);
    expect((await trees.prune(now + HOUR)).keptDirty).toEqual([dirty.path]);
    expect(lines.filter((l) => l.worktree === dirty.path)).toHaveLength(1);

    // Once the follow-up is done, the busy one goes too.
    held.release();
    writeMeta(root, { ...readMeta(root, busy.owner)!, finishedAt: now - 73 * HOUR });
    expect((await trees.prune(now)).removed).toEqual([busy.path]);
  });

  it('a follow-up after its worktree was pruned gets it back from the branch; without the branch it says so', async () => {
    const { root, repo } = workspace();
    const first = await createWorktree({ root, repo, taskId: 'first0001', start: await headStart(repo, opts), opts });
    writeFileSync(path.join(first.path, 'b.txt'), 'b\n');
    git(first.path, 'add', 'b.txt');
    git(first.path, 'commit', '--quiet', '-m', 'b');
    git(repo, 'worktree', 'remove', first.path);

    const again = await reuseWorktree({ root, repo, owner: 'first0001', opts });
    expect(again).toMatchObject({ path: first.path, branch: 'pia/first0001', base: first.base, baseRef: 'main' });
    expect(existsSync(path.join(first.path, 'b.txt'))).toBe(true);

    git(repo, 'worktree', 'remove', first.path);
    git(repo, 'branch', '-D', 'pia/first0001');
    await expect(reuseWorktree({ root, repo, owner: 'first0001', opts })).rejects.toMatchObject({
      code: 'worktree_gone',
      message: `The branch pia/first0001 of task first0001 is no longer in ${repo}, so its work cannot be continued there; start a new task.`,
    });
  });

  it('twelve tasks open worktrees of one repository at once: each gets its own (git alone would trip over itself)', async () => {
    const { root, repo } = workspace();
    const trees = createWorktrees({ root, keepMs: HOUR, env: process.env, allowFile: true, log: captureLog().log, hostname: 'h' });
    const ids = Array.from({ length: 12 }, (_, i) => `many${String(i).padStart(5, '0')}`);
    const opened = await Promise.all(ids.map((id) => trees.open(spec(id), repo, undefined, opts)));
    expect(opened.map((w) => w.branch)).toEqual(ids.map((id) => `pia/${id}`));
    for (const wt of opened) {
      expect(git(wt.path, 'symbolic-ref', '--short', 'HEAD')).toBe(wt.branch);
      expect(git(wt.path, 'status', '--porcelain')).toBe('');
      wt.release();
    }
  });

  it('a repository without a commit cannot give a task a branch, and says what to do', async () => {
    const root = path.join(tmp.dir, 'empty');
    git(tmp.dir, 'init', '--quiet', root);
    await expect(headStart(root, opts)).rejects.toMatchObject({ code: 'repo_empty', message: `${root} has no commit yet, so a task cannot get a branch of its own there; make a first commit.` });
  });
});
