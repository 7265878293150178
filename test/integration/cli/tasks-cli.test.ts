import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pia, spawnPia } from '../../helpers/cli.js';
import { makeBareRepo } from '../../helpers/git.js';
import { tempDir } from '../../helpers/tmp.js';
import { until } from '../../helpers/wait.js';
import { fakeAgentEnv } from '../../helpers/worker.js';

const tmp = tempDir('pia-cli-tasks-');
const dataDir = path.join(tmp.dir, 'data');
let hub: ReturnType<typeof spawnPia>;
let url = '';
const env = () => ({ PIA_URL: url, PIA_DATA_DIR: dataDir });

beforeAll(async () => {
  hub = spawnPia(['start'], {
    PIA_DATA_DIR: dataDir,
    PIA_PORT: '0',
    PIA_LOG_FORMAT: 'json',
    PIA_REPO_ROOTS: tmp.dir,
    PIA_WORKSPACE: path.join(tmp.dir, 'work'),
    PIA_ALLOW_FILE_REPOS: '1',
    PIA_CANCEL_GRACE_S: '0.3',
    ...fakeAgentEnv(),
  });
  url = (await until(() => /PIA hub is running at (http:\/\/127\.0\.0\.1:\d+)/.exec(hub.output()), 15_000))[1]!;
  await until(async () => (await pia(['status', '--json'], env())).stdout.includes('"status": "online"'), 10_000);
});

afterAll(() => {
  hub.kill('SIGKILL');
  tmp.cleanup();
});

describe('task commands', () => {
  it('pia run --follow prints the output and the result, and exits 0 on success, 1 otherwise', async () => {
    const ok = await pia(['run', 'local', 'fix', 'it', 'lines=2', '--follow'], env());
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^Task (\w+) (?:queued|dispatched) on local\.\n» fake started\nprompt: fix it lines=2\ncwd: .*\nline 1\nline 2\n» finished\nTask \1 on local succeeded, exit 0 in \d+\.\d s\n$/);

    const bad = await pia(['run', 'local', 'exit=2', 'lines=0', '-f'], env());
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/failed, exit 2 in [\d.]+ s: exited with code 2\n$/);
  });

  it('pia run --json prints the task id; pia logs and pia tasks read it back', async () => {
    const out = await pia(['run', 'local', 'lines=3', '--json'], env());
    const { taskId } = JSON.parse(out.stdout);
    expect(taskId).toMatch(/^[a-z0-9]{10}$/);
    const logs = await pia(['logs', taskId, '-f'], env());
    expect(logs.stdout).toContain('line 3\n');
    expect(logs.stdout).toMatch(new RegExp(`Task ${taskId} on local succeeded`));
    const list = await pia(['tasks', '--machine', 'local', '--json'], env());
    expect(JSON.parse(list.stdout).tasks.map((t: { id: string }) => t.id)).toContain(taskId);
    const table = await pia(['tasks'], env());
    expect(table.stdout).toMatch(new RegExp(`^${taskId}\\s+local\\s+run\\s+succeeded`, 'm'));
  });

  it('pia sh runs an argv command; nothing after -- is read as a pia option', async () => {
    const out = await pia(['sh', 'local', '--', 'printf', '%s|', '--json', '$(id)', '-f'], env());
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^Task \w+ (?:queued|dispatched) on local\. Follow it with: pia logs \w+ -f\n$/);
    const taskId = /^Task (\w+)/.exec(out.stdout)![1]!;
    const logs = await pia(['logs', taskId, '-f'], env());
    expect(logs.stdout).toContain('--json|$(id)|-f|');
  });

  it('pia cancel stops a running task', async () => {
    const out = await pia(['run', 'local', 'lines=1', 'sleep=30000', '--json'], env());
    const { taskId } = JSON.parse(out.stdout);
    await until(async () => (await pia(['logs', taskId], env())).stdout.includes('line 1'), 10_000);
    const cancel = await pia(['cancel', taskId], env());
    expect(cancel.stdout).toBe(`Cancelling task ${taskId} on local...\n`);
    const logs = await pia(['logs', taskId, '-f'], env());
    expect(logs.code).toBe(1);
    expect(logs.stdout).toMatch(/on local cancelled in [\d.]+ s: cancelled by admin-token\n$/);
  });

  it('pia deploy clones and runs; a hostile URL is refused in one line', async () => {
    const repo = makeBareRepo(tmp.dir);
    const out = await pia(['deploy', repo.url, 'local', 'lines=0', '--follow'], env());
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(new RegExp(`» cloning ${repo.url.replace(/[.]/g, '\\.')}\n» worktree \\S+/\\.pia-worktrees/([a-z0-9]+) on pia/\\1 from [0-9a-f]{12} \\(main\\), ready in \\d+ ms\n`));
    const hostile = await pia(['deploy', '--', '--upload-pack=touch /tmp/x', 'local', 'go'], env());
    expect(hostile.code).toBe(1);
    expect(hostile.stderr).toBe('pia: Refused repository URL "--upload-pack=touch /tmp/x": it looks like a command-line option\n');
  });

  it('pia do speaks the chat command language: the same words as in Slack or Discord', async () => {
    const status = await pia(['do', 'status'], env());
    expect(status.stdout).toMatch(/^1 of 1 machine\(s\) online\.\nNAME +STATUS +POWER +OS\nlocal +online +online/);
    const run = await pia(['do', 'run', 'local', 'lines=1'], env());
    expect(run.stdout).toMatch(/^Running on local: task \w+ (?:queued|dispatched)\n$/);
    const typo = await pia(['do', 'wkae', 'local'], env());
    expect(typo).toMatchObject({ code: 1, stdout: '⚠️ Unknown command "wkae". Did you mean `wake`?\n' });
  });
});
