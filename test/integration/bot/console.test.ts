import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleAdapter, type ConsoleAdapter } from '../../../src/bot/console/console-adapter.js';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';
import { until } from '../../helpers/wait.js';

let f: TestFleet;
let chat: ConsoleAdapter;
const input = new PassThrough();
const output = new PassThrough();
let screen = '';
output.on('data', (c) => (screen += c.toString()));

beforeAll(async () => {
  f = await startFleet({
    workerEnv: { PIA_AGENT: 'claude', PIA_POWER_SHUTDOWN_CMD: JSON.stringify([process.execPath, '-e', 'console.log("bye")']) },
  });
  chat = createConsoleAdapter({ core: f.t.pia.chat, input, output, user: 'console:ada' });
  chat.start();
});

afterAll(async () => {
  chat.stop();
  await f.stop();
});

const type = (line: string) => input.write(line + '\n');

describe('the console chat', () => {
  it('runs a task and fills its thread: start, live output, the final result', async () => {
    type('run local "lines=3 add tests"');
    await until(() => screen.includes('✅ local: succeeded'), 10_000);
    expect(screen).toMatch(/● thread #1\n {2}#1 │ Running on local: task (\w+) (?:queued|dispatched)\n/);
    expect(screen).toMatch(/#1 │ ⏳ \*run\* on \*local\* \(\w+\): (?:queued|dispatched)\n/);
    expect(screen).toMatch(/#1 │ {5}line 3\n/);
    expect(screen).toMatch(/#1 │ ✅ local: succeeded in \d+ s, exit 0, \$0\.0123\n {2}#1 │ All done: fixed the flaky test\.\n {2}#1 │ Reply in this thread to continue the same session\./);
  });

  it('a reply in the thread continues the same agent session', async () => {
    const before = screen.length;
    type('>1 now the docs lines=0');
    await until(() => screen.slice(before).includes('✅ local: succeeded'), 10_000);
    const tasks = (await f.t.tasks({ limit: 10 }));
    const [followUp, parent] = tasks;
    expect(followUp).toMatchObject({ parentId: parent!.id, resumeSession: parent!.sessionId, prompt: 'now the docs lines=0' });
    expect(screen.slice(before)).toMatch(/#1 │ Running on local: task \w+/);
  });

  it('answers errors with did-you-mean, and asks before destructive commands', async () => {
    let before = screen.length;
    type('wkae local');
    await until(() => screen.slice(before).includes('Did you mean'), 5000);
    expect(screen.slice(before)).toContain('⚠️ Unknown command "wkae". Did you mean `wake`?');

    before = screen.length;
    type('shutdown local');
    await until(() => screen.slice(before).includes('[Confirm] [Dismiss]'), 5000);
    expect(screen.slice(before)).toContain('Shutdown local? This cannot be undone from here.');
    type('confirm');
    await until(() => screen.slice(before).includes('✅ local: shutdown:'), 5000);
    expect(screen.slice(before)).toContain('(bye)');
  });

  it('status shows the fleet', async () => {
    const before = screen.length;
    type('status');
    await until(() => screen.slice(before).includes('machine(s) online'), 5000);
    expect(screen.slice(before)).toMatch(/1 of 1 machine\(s\) online\.\n {2}#\d+ │ {5}NAME +STATUS +POWER +OS\n {2}#\d+ │ {5}local +online +online +linux\/x64/);
  });
});
