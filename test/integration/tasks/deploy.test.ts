import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';
import { git, makeBareRepo } from '../../helpers/git.js';
import { tempDir } from '../../helpers/tmp.js';
import { nextEvent } from '../../helpers/wait.js';
import { fakeAgentEnv, testWorker } from '../../helpers/worker.js';

let f: TestFleet;
const tmp = tempDir('pia-deploy-');
let repo: ReturnType<typeof makeBareRepo>;

beforeAll(async () => {
  f = await startFleet();
  repo = makeBareRepo(tmp.dir);
});
afterAll(async () => {
  await f.stop();
  tmp.cleanup();
});

type ErrorBody = { error: { code: string; message: string } };

describe('deploy: clone and go', () => {
  it('clones the repository, makes the task a worktree on its own branch from the default branch, runs the agent in it', async () => {
    const [task] = await f.create({ kind: 'deploy', repo: repo.url, machines: ['local'], prompt: 'fix the flaky test lines=1' });
    expect(task).toMatchObject({ kind: 'deploy', repo: { url: repo.url, ref: null }, workspace: 'app' });
    const done = await f.finished(task!.id);
    expect(done.state).toBe('succeeded');
    const dir = path.join(f.worker.workspace, '.pia-worktrees', task!.id);
    expect(done.workspacePath).toBe(dir);
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toBe('# app\n');
    expect(await f.outputText(task!.id, ['stdout'])).toContain(`cwd: ${dir}\n`);
    const steps = (await f.outputText(task!.id, ['event'])).trim().split('\n').map((l) => JSON.parse(l).message);
    const sha = git(dir, 'rev-parse', 'HEAD');
    expect(sha).toBe(git(repo.bare, 'rev-parse', 'main'));
    expect(git(dir, 'symbolic-ref', '--short', 'HEAD')).toBe(`pia/${task!.id}`);
    expect(steps).toEqual([`cloning ${repo.url}`, expect.stringMatching(new RegExp(`^worktree ${dir} on pia/${task!.id} from ${sha.slice(0, 12)} \\(main\\), ready in \\d+ ms$`)), 'fake started', 'finished']);
    // The clone holds the repository; nothing is checked out there (tasks work in their worktrees).
    expect(existsSync(path.join(f.worker.workspace, 'app', 'README.md'))).toBe(false);
    // The identity file is there and kept out of git.
    expect(existsSync(path.join(dir, 'MACHINE_IDENTITY.local.md'))).toBe(true);
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });

  it('fetches when the repository is already there, and starts from a ref', async () => {
    const newSha = repo.commit('CHANGELOG.md', 'v2\n');
    const [task] = await f.create({ kind: 'deploy', repo: repo.url, machines: ['local'], prompt: 'again lines=0' });
    const dir = (await f.finished(task!.id)).workspacePath!;
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(newSha);
    const steps = (await f.outputText(task!.id, ['event'])).trim().split('\n').map((l) => JSON.parse(l).message);
    expect(steps[0]).toBe(`fetching ${repo.url}`);

    const [tagged] = await f.create({ kind: 'deploy', repo: repo.url, ref: 'v1', machines: ['local'], prompt: 'lines=0' });
    const tagDone = await f.finished(tagged!.id);
    expect(tagDone.state).toBe('succeeded');
    expect(existsSync(path.join(tagDone.workspacePath!, 'README.md'))).toBe(true);
    expect(existsSync(path.join(tagDone.workspacePath!, 'CHANGELOG.md'))).toBe(false);
    // A tag is no branch: the result says where the branch started, without a base branch.
    expect(tagDone.worktree).toMatchObject({ branch: `pia/${tagged!.id}`, base: git(repo.bare, 'rev-parse', 'v1^{commit}') });
    expect(tagDone.worktree!.baseRef).toBeUndefined();

    const [missing] = await f.create({ kind: 'deploy', repo: repo.url, ref: 'no-such-branch', machines: ['local'], prompt: 'lines=0' });
    const missingDone = await f.finished(missing!.id);
    expect(missingDone).toMatchObject({ state: 'failed', error: `No branch, tag or commit "no-such-branch" in ${repo.url}.` });
  });

  it('fans out one task per machine, with a text each, sharing a deploy id', async () => {
    const { body } = await f.t.api<{ joinToken: string }>('POST', '/api/machines', { name: 'm2' });
    const second = testWorker({ hub: f.t.linkUrl, join: body.joinToken, env: { ...fakeAgentEnv(), PIA_ALLOW_FILE_REPOS: '1' } });
    const online = nextEvent(f.t.pia.events, 'machine.online', (e) => e.machine === 'm2');
    void second.run();
    await online;
    const res = await f.t.api<{ deployId: string; tasks: Array<{ id: string; machine: string; prompt: string; deployId: string }> }>('POST', '/api/tasks', {
      kind: 'deploy',
      repo: repo.url,
      targets: [
        { machine: 'local', prompt: 'unit tests lines=0' },
        { machine: 'm2', prompt: 'docs lines=0' },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body.tasks.map((t) => [t.machine, t.prompt])).toEqual([['local', 'unit tests lines=0'], ['m2', 'docs lines=0']]);
    expect(new Set(res.body.tasks.map((t) => t.deployId))).toEqual(new Set([res.body.deployId]));
    for (const t of res.body.tasks) expect((await f.finished(t.id)).state).toBe('succeeded');
    const onM2 = res.body.tasks.find((t) => t.machine === 'm2')!;
    expect(readFileSync(path.join(second.workspace, '.pia-worktrees', onM2.id, 'README.md'), 'utf8')).toBe('# app\n');
    const listed = await f.t.api<{ tasks: unknown[] }>('GET', `/api/tasks?deploy=${res.body.deployId}`);
    expect(listed.body.tasks).toHaveLength(2);
    await second.stop();
  });

  it('refuses hostile URLs and refs before anything runs, with a clear error', async () => {
    const before = (await f.t.tasks({ limit: 1000 })).length;
    const cases: Array<[object, RegExp]> = [
      [{ repo: '--upload-pack=touch /tmp/x' }, /looks like a command-line option/],
      [{ repo: 'ext::sh -c touch% /tmp/pwned' }, /Refused repository URL/],
      [{ repo: 'ext::sh' }, /transport helpers/],
      [{ repo: 'https://github.com/acme/app', ref: '-x' }, /starts with "-" and would be read as an option/],
      [{ repo: 'https://github.com/acme/app', ref: '--output=/tmp/x' }, /Refused git ref/],
      [{ repo: 'http://github.com/acme/app' }, /plain http/],
    ];
    for (const [body, message] of cases) {
      const res = await f.t.api<ErrorBody>('POST', '/api/tasks', { kind: 'deploy', machines: ['local'], prompt: 'x', ...body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toMatch(message);
    }
    const unknown = await f.t.api<ErrorBody>('POST', '/api/tasks', { kind: 'deploy', repo: repo.url, machines: ['local', 'ghost'], prompt: 'x' });
    expect(unknown.status).toBe(404);
    expect((await f.t.tasks({ limit: 1000 }))).toHaveLength(before);
    expect(existsSync('/tmp/pwned')).toBe(false);
    expect(existsSync('/tmp/x')).toBe(false);
  });

  it('file: URLs are refused unless the hub allows them', async () => {
    const strict = await startFleet({ hubEnv: { PIA_ALLOW_FILE_REPOS: '0' } });
    const res = await strict.t.api<ErrorBody>('POST', '/api/tasks', { kind: 'deploy', repo: repo.url, machines: ['local'], prompt: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/file: URLs are not allowed/);
    await strict.stop();
  });
});
