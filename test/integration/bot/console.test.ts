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
    // The console renders the markup itself: no Slack asterisks on a terminal.
    expect(screen).toMatch(/#1 │ ⏳ run on local \(\w+\): (?:queued|dispatched)\n/);
    expect(screen).not.toContain('*run*');
    expect(screen).toMatch(/#1 │ {5}line 3\n/);
    expect(screen).toMatch(/#1 │ ✅ local: succeeded in \d+ s, exit 0, \$0\.0123\n {2}#1 │ All done: fixed the flaky test\.\n {2}#1 │ Reply in this thread to continue the same session \(claude\)\./);
    // The output streamed into the thread once; the result does not print it again.
    expect(screen.match(/line 3\n/g)).toHaveLength(1);
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
    const thread = /● thread #(\d+)\n[^]*Shutdown local\?/.exec(screen.slice(before))![1];
    // The hint under the buttons is true: pressing by a reply in the thread works.
    expect(screen.slice(before)).toContain(`(type confirm or dismiss, or >${thread} confirm)`);
    type(`>${thread} confirm`);
    await until(() => screen.slice(before).includes('✅ local: shutdown:'), 5000);
    expect(screen.slice(before)).toContain('(bye)');
  });

  it('a failure is said once: the output that says why, and the result line', async () => {
    const before = screen.length;
    // The text is put together by the command, so the only place it can appear is the command's output.
    type('sh local -- node -e "console.error([\'no such\', \'file\'].join(\' \')); process.exit(3)"');
    await until(() => screen.slice(before).includes('[Confirm]'), 5000);
    type('confirm');
    await until(() => screen.slice(before).includes('❌ local: failed'), 10_000);
    const shown = screen.slice(before);
    expect(shown.match(/no such file/g)).toHaveLength(1);
    expect(shown.match(/exited with code 3/g)).toHaveLength(1);
    expect(shown).toMatch(/» finished: exited with code 3\n/);
    expect(shown).toMatch(/❌ local: failed in \d+ s, exit 3\n/);
  });

  it('an approval is answered in its thread: >N allow', async () => {
    const before = screen.length;
    type('run local "ask=1 lines=0"');
    await until(() => screen.slice(before).includes('Approval needed'), 10_000);
    const shown = screen.slice(before);
    const thread = /● thread #(\d+)\n/.exec(shown)![1]!;
    expect(shown).toMatch(new RegExp(`#${thread} │ ✋ Approval needed \\((\\w{6})\\): the agent on local wants to use Bash\\n {2}#${thread} │ \`touch file-1\\.txt\`\\n`));
    expect(shown).toContain(`[Allow once] [Allow for this task] [Always on this machine] [Deny]  (type >${thread} allow or >${thread} allow task or >${thread} allow always or >${thread} deny)`);
    type(`>${thread} allow`);
    await until(() => screen.slice(before).includes('✅ local: succeeded'), 10_000);
    expect(screen.slice(before)).toMatch(new RegExp(`#${thread} │ ✅ Bash \`touch file-1\\.txt\` \\(\\w{6}\\) allowed once by console:ada at \\d\\d:\\d\\d:\\d\\d UTC\\n`));
    expect(screen.slice(before)).toMatch(/allowed 1\n/);
  });

  it('a reply to a thread that does not exist says so, and starts nothing', async () => {
    const before = screen.length;
    type('>99 confirm');
    await until(() => screen.slice(before).includes('No thread #99'), 5000);
    expect(screen.slice(before)).toMatch(/No thread #99 \(threads so far: #1 to #\d+\); a reply goes into a thread that a command started\./);
    expect(screen.slice(before)).not.toContain('Unknown command');
  });

  it('status shows the fleet', async () => {
    const before = screen.length;
    type('status');
    await until(() => screen.slice(before).includes('machine(s) online'), 5000);
    expect(screen.slice(before)).toMatch(/1 of 1 machine\(s\) online\.\n {2}#\d+ │ {5}NAME +STATUS +POWER +OS\n {2}#\d+ │ {5}local +online +online +linux\/x64/);
  });

  it('dashboard gives the person at the console a one-time sign-in link', async () => {
    const before = screen.length;
    type('dashboard');
    await until(() => screen.slice(before).includes('/login/pia_l_'), 5000);
    expect(screen.slice(before)).toMatch(/Sign-in link to the dashboard for console:ada \(admin\); it works once, until \d\d:\d\d UTC:\n {2}#\d+ │ http:\/\/127\.0\.0\.1:\d+\/login\/pia_l_[\w-]{43}\n/);
  });
});
