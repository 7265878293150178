import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';
import { git, makeBareRepo } from '../../helpers/git.js';
import { haveBinary } from '../../helpers/system.js';
import { tempDir } from '../../helpers/tmp.js';

// A deployed repository is someone else's content: nothing in it may steer where the worker writes.
const hasGit = haveBinary('git', 'apt-get install git');
let f: TestFleet;
const tmp = tempDir('pia-hostile-repo-');
const outside = path.join(tmp.dir, 'outside');
const keys = path.join(outside, 'authorized_keys');
const KEYS = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeep the owner only\n';

beforeAll(async () => {
  if (!hasGit) return;
  mkdirSync(outside);
  writeFileSync(keys, KEYS);
  f = await startFleet();
});
afterAll(async () => {
  await f?.stop();
  tmp.cleanup();
});

const identityIn = (dir: string) => path.join(dir, 'MACHINE_IDENTITY.local.md');

describe.runIf(hasGit)('a hostile repository', () => {
  it('cannot aim the identity file at a file outside the checkout with a committed symlink', async () => {
    const repo = makeBareRepo(tmp.dir, 'evil');
    repo.commitSymlink('MACHINE_IDENTITY.local.md', keys);
    const [task] = await f.create({ kind: 'deploy', repo: repo.url, machines: ['local'], prompt: 'lines=0' });
    const done = await f.finished(task!.id);

    expect(readFileSync(keys, 'utf8')).toBe(KEYS);
    expect(done.state).toBe('succeeded');
    // The agent still gets its identity: a plain file in place of the link, in the task's worktree.
    const dir = done.workspacePath!;
    expect(dir).toBe(path.join(f.worker.workspace, '.pia-worktrees', done.id));
    expect(lstatSync(identityIn(dir)).isFile()).toBe(true);
    expect(readFileSync(identityIn(dir), 'utf8')).toContain('Machine: **local**');
  });

  it('cannot create a file outside the checkout through a dangling symlink', async () => {
    const repo = makeBareRepo(tmp.dir, 'dangling');
    const target = path.join(outside, 'new-file');
    repo.commitSymlink('MACHINE_IDENTITY.local.md', target);
    const [task] = await f.create({ kind: 'deploy', repo: repo.url, machines: ['local'], prompt: 'lines=0' });
    expect((await f.finished(task!.id)).state).toBe('succeeded');
    expect(existsSync(target)).toBe(false);
  });

  it('leaves a linked .git/info/exclude (or .git/info) alone and says so', async () => {
    const repo = makeBareRepo(tmp.dir, 'linked');
    const [first] = await f.create({ kind: 'deploy', repo: repo.url, machines: ['local'], prompt: 'lines=0' });
    expect((await f.finished(first!.id)).state).toBe('succeeded');
    const dir = path.join(f.worker.workspace, 'linked');

    // A checkout whose exclude file points elsewhere (left by an earlier task, or made by hand).
    const exclude = path.join(dir, '.git', 'info', 'exclude');
    rmSync(exclude);
    symlinkSync(keys, exclude);
    const [second] = await f.create({ kind: 'deploy', repo: repo.url, machines: ['local'], prompt: 'lines=0' });
    const done = await f.finished(second!.id);
    expect(done.state).toBe('succeeded');
    expect(readFileSync(keys, 'utf8')).toBe(KEYS);
    expect(await f.outputText(second!.id, ['stderr'])).toContain(`pia: ${exclude} is not a regular file; left alone, so MACHINE_IDENTITY.local.md is not excluded from git there\n`);

    // The same with the whole info directory linked to a folder outside.
    rmSync(path.join(dir, '.git', 'info'), { recursive: true });
    symlinkSync(outside, path.join(dir, '.git', 'info'));
    const [third] = await f.create({ kind: 'deploy', repo: repo.url, machines: ['local'], prompt: 'lines=0' });
    expect((await f.finished(third!.id)).state).toBe('succeeded');
    expect(existsSync(path.join(outside, 'exclude'))).toBe(false);
    expect(readFileSync(keys, 'utf8')).toBe(KEYS);
  });

  it('fails with a clear message when the identity file name is taken by a directory', async () => {
    const repo = makeBareRepo(tmp.dir, 'dirname');
    repo.commit('MACHINE_IDENTITY.local.md/notes.txt', 'x\n');
    const [task] = await f.create({ kind: 'deploy', repo: repo.url, machines: ['local'], prompt: 'lines=0' });
    const done = await f.finished(task!.id);
    const dir = path.join(f.worker.workspace, '.pia-worktrees', done.id);
    expect(done).toMatchObject({
      state: 'failed',
      error: `${identityIn(dir)} is not a regular file (a directory or a special file has that name); PIA writes the task's identity there. Rename or remove it, then run the task again.`,
    });
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });
});
