import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../../src/hub/tasks/task.js';
import { projectRoot } from '../../../src/common/version.js';
import { testChat, type SeenMessage, type TestChat } from '../../helpers/chat.js';
import { fakeGh } from '../../helpers/fake-gh.js';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';
import { git, makeBareRepo } from '../../helpers/git.js';
import { haveBinary } from '../../helpers/system.js';
import { tempDir } from '../../helpers/tmp.js';
import { until } from '../../helpers/wait.js';

const hasGit = haveBinary('git', 'apt-get install git');
const EDITOR = path.join(projectRoot, 'test', 'fixtures', 'fake-editor.mjs');
const OP = 'slack:UOP';

let f: TestFleet;
let slack: TestChat;
let repo: ReturnType<typeof makeBareRepo>;
let gh: ReturnType<typeof fakeGh>;
const tmp = tempDir('pia-worktrees-');

beforeAll(async () => {
  if (!hasGit) return;
  repo = makeBareRepo(tmp.dir);
  gh = fakeGh(path.join(tmp.dir, 'bin'));
  f = await startFleet({
    hubEnv: { PIA_OPERATORS: OP },
    workerEnv: {
      PIA_AGENTS: JSON.stringify({
        editor: { command: [process.execPath, EDITOR, '--', '{prompt}'], format: 'text' },
        'editor-session': {
          command: [process.execPath, EDITOR, '--stream-json', '--', '{prompt}'],
          resume: [process.execPath, EDITOR, '--stream-json', '--resume={session}', '--', '{prompt}'],
          format: 'claude-stream-json',
        },
      }),
      PIA_AGENT: 'editor',
      PIA_MAX_TASKS: '4',
      PATH: `${gh.dir}${path.delimiter}${process.env.PATH ?? ''}`,
    },
  });
  slack = testChat(f.t.pia.chat, 'slack');
});
afterAll(async () => {
  await f?.stop();
  tmp.cleanup();
});

/** The task's result as the thread shows it: the message that says how it ended. */
async function resultIn(thread: string): Promise<SeenMessage> {
  return until(() => slack.messages.find((m) => m.thread === thread && /^(✅|❌|⏹|⌛) local: /.test(m.text)), 20_000);
}

/** Starts a command in the chat; resolves once it is acknowledged, with a wait for its end. */
async function start(text: string): Promise<() => Promise<{ task: Task; result: SeenMessage }>> {
  const ack = await slack.say(OP, text);
  const id = /task ([a-z0-9]+)/.exec(ack.text)?.[1];
  if (!id) throw new Error(`no task in: ${ack.text}`);
  return async () => {
    const result = await resultIn(ack.thread);
    return { task: await f.finished(id), result };
  };
}

/** A command in the chat until its task ends: the task as the API has it, and its result message. */
const viaChat = async (text: string) => (await start(text))();

describe.skipIf(!hasGit)('a worktree and a branch per task', () => {
  it('two tasks on one repository at once edit the same file without conflict, each on its own branch', async () => {
    // Asked one after the other (the chat answers each at once), they run side by side.
    const first = await start(`deploy ${repo.url} local sleep=500 write=README.md:from-a`);
    const second = await start(`deploy ${repo.url} local sleep=500 write=README.md:from-b`);
    const [a, b] = await Promise.all([first(), second()]);
    for (const [{ task }, text] of [[a, 'from-a'], [b, 'from-b']] as const) {
      expect(task.state).toBe('succeeded');
      const wt = task.worktree!;
      expect(wt).toMatchObject({ branch: `pia/${task.id}`, owner: task.id, path: path.join(f.worker.workspace, '.pia-worktrees', task.id), baseRef: 'main', commitCount: 1, committedForAgent: true });
      expect(task.workspacePath).toBe(wt.path);
      // The agent worked in its own folder, on its own branch; the change is on that branch and nowhere else.
      const out = await f.outputText(task.id, ['stdout']);
      expect(out).toContain(`cwd: ${wt.path}\n`);
      expect(out).toContain(`branch: pia/${task.id}\n`);
      const clone = path.join(f.worker.workspace, 'app');
      expect(git(clone, 'show', `pia/${task.id}:README.md`)).toBe(text);
      expect(git(clone, 'log', '-1', '--format=%s', `pia/${task.id}`)).toBe(`PIA task ${task.id}: work the agent left uncommitted (task succeeded)`);
      expect(git(wt.path, 'status', '--porcelain')).toBe('');
      // The identity file PIA wrote is there, and not committed.
      expect(existsSync(path.join(wt.path, 'MACHINE_IDENTITY.local.md'))).toBe(true);
      expect(git(clone, 'ls-tree', '--name-only', `pia/${task.id}`)).toBe('README.md');
    }
    // They really ran at the same time.
    expect(Date.parse(a.task.startedAt!)).toBeLessThan(Date.parse(b.task.finishedAt!));
    expect(Date.parse(b.task.startedAt!)).toBeLessThan(Date.parse(a.task.finishedAt!));
    // The main branch of the repository is untouched.
    expect(git(repo.bare, 'show', 'main:README.md')).toBe('# app');

    // The thread's result shows the branch, its base, the commit and the diffstat.
    const sha = git(repo.bare, 'rev-parse', 'main').slice(0, 8);
    const lines = a.result.text.split('\n');
    expect(lines[0]).toMatch(/^✅ local: succeeded in \d+ s, exit 0$/);
    expect(lines).toContain(`🌿 Branch \`pia/${a.task.id}\` from main at ${sha}: 1 commit (PIA committed what the agent left uncommitted)`);
    expect(lines).toContain(`   \`${git(f.worker.workspace + '/app', 'rev-parse', '--short', `pia/${a.task.id}`)}\` PIA task ${a.task.id}: work the agent left uncommitted (task succeeded)`);
    expect(lines).toContain('   `README.md | 2 +-`');
    expect(lines).toContain('   `1 file changed, 1 insertion(+), 1 deletion(-)`');
    expect(lines).toContain(`   In ${a.task.worktree!.path} on the machine.`);
  });

  it("the agent's own commits are listed; nothing is added when it left nothing uncommitted", async () => {
    const { task, result } = await viaChat(`deploy ${repo.url} local write=docs/guide.md:hello commit=Add_the_guide append=docs/guide.md:more commit=Say_more`);
    expect(task.worktree).toMatchObject({ commitCount: 2, committedForAgent: false });
    expect(task.worktree!.commits.map((c) => c.subject)).toEqual(['Say more', 'Add the guide']);
    expect(result.text).toContain('2 commits\n');
    expect(result.text).toContain('   `docs/guide.md | 2 ++`');
  });

  it('a run in a checkout gets a worktree from its HEAD; a follow-up goes on in the same worktree and branch', async () => {
    const checkout = path.join(f.worker.workspace, 'proj');
    git(f.worker.workspace, 'init', '--quiet', '--initial-branch=trunk', checkout);
    git(checkout, 'commit', '--quiet', '--allow-empty', '-m', 'start');
    const first = await f.create({ kind: 'run', machine: 'local', workspace: 'proj', agent: 'editor-session', prompt: 'write=a.txt:one' });
    const done = await f.finished(first[0]!.id);
    expect(done.worktree).toMatchObject({ branch: `pia/${done.id}`, baseRef: 'trunk', commitCount: 1 });
    // The checkout itself is left as it was: no file, and the worktrees folder is not an untracked change there.
    expect(existsSync(path.join(checkout, 'a.txt'))).toBe(false);
    expect(git(checkout, 'status', '--porcelain')).toBe('');

    const next = await f.create({ kind: 'run', machine: 'local', continueTask: done.id, prompt: 'append=a.txt:two' });
    expect(next[0]).toMatchObject({ worktreeOf: done.id, resumeSession: done.sessionId });
    const after = await f.finished(next[0]!.id);
    expect(after.state).toBe('succeeded');
    expect(await f.outputText(after.id, ['stdout'])).toContain(`cwd: ${done.worktree!.path}\n`);
    expect(after.worktree).toMatchObject({ owner: done.id, branch: `pia/${done.id}`, path: done.worktree!.path, base: done.worktree!.base, commitCount: 2 });
    expect(readFileSync(path.join(done.worktree!.path, 'a.txt'), 'utf8')).toBe('one\ntwo\n');
  });

  it('--push pushes the branch to the remote and opens a pull request where gh is logged in; a failed push says why and keeps the work', async () => {
    // gh installed but not logged in: pushed, no pull request, and the thread says why.
    const plain = await viaChat(`deploy ${repo.url} local --push write=CHANGELOG.md:pushed`);
    expect(plain.task.push).toBe(true);
    expect(plain.task.worktree!.push).toMatchObject({ ok: true, remote: repo.url });
    expect(git(repo.bare, 'show', `pia/${plain.task.id}:CHANGELOG.md`)).toBe('pushed');
    expect(plain.result.text).toContain(`⬆️ Pushed to ${repo.url}\n   gh is not logged in on this machine (gh auth login), so no pull request was opened.`);

    gh.logIn();
    const withPr = await f.create({ kind: 'deploy', repo: repo.url, machines: ['local'], agent: 'editor-session', push: true, prompt: 'write=CHANGELOG.md:with-pr' });
    const done = await f.finished(withPr[0]!.id);
    expect(done.worktree!.push).toMatchObject({ ok: true, pullRequest: expect.stringMatching(/^https:\/\/github\.example\/acme\/app\/pull\/\d+$/) });
    const call = gh.calls().at(-1)!;
    expect(call.slice(0, 4)).toEqual(['pr', 'create', `--head=pia/${done.id}`, '--base=main']);
    expect(call).toContain('--title=write=CHANGELOG.md:with-pr');
    expect(call.find((a) => a.startsWith('--body='))).toContain(`Made by PIA task ${done.id} on local`);

    // The remote goes away; the follow-up's push fails, says why in the thread, and the work stays on the machine.
    const clone = path.join(f.worker.workspace, 'app');
    git(clone, 'remote', 'set-url', 'origin', `file://${tmp.dir}/gone.git`);
    try {
      const ack = await slack.say(OP, 'continue ' + done.id + ' write=CHANGELOG.md:after');
      const result = await resultIn(ack.thread);
      const followUp = await f.finished(/task ([a-z0-9]+)/.exec(ack.text)![1]!);
      expect(followUp.state).toBe('succeeded');
      expect(followUp.worktree!.push).toMatchObject({ ok: false });
      expect(result.text).toMatch(new RegExp(`⚠️ Not pushed: git push failed: fatal: '${tmp.dir}/gone\\.git' does not appear to be a git repository.*; the branch pia/${done.id} is kept on this machine in ${done.worktree!.path.replace(/[.]/g, '\\.')}\\.`));
      expect(git(clone, 'show', `pia/${done.id}:CHANGELOG.md`)).toBe('after');
      expect(git(repo.bare, 'show', `pia/${done.id}:CHANGELOG.md`)).toBe('with-pr');
    } finally {
      git(clone, 'remote', 'set-url', 'origin', repo.url);
    }
  });

  it('a failed task is not pushed, and its work is committed on its branch all the same', async () => {
    const { task, result } = await viaChat(`deploy ${repo.url} local --push write=half.txt:half exit=3`);
    expect(task.state).toBe('failed');
    expect(task.worktree).toMatchObject({ commitCount: 1, committedForAgent: true, push: { ok: false } });
    expect(result.text).toContain(`⚠️ Not pushed: the task failed; the branch pia/${task.id} is kept on this machine in ${task.worktree!.path}.`);
    expect(() => git(repo.bare, 'rev-parse', '--verify', '--quiet', `refs/heads/pia/${task.id}`)).toThrow();
  });

  it('--push is refused as a prompt word only where it is not an option: a typo is an error', async () => {
    expect((await slack.say(OP, 'run local --psuh fix it')).text).toBe('⚠️ Unknown option "--psuh"; this command takes --agent, --mode, --push.\nUsage: `run <machine> [--agent A] [--mode M] [--push] <prompt...>`');
  });
});
