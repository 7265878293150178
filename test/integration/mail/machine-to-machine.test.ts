import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMail } from '../../../src/mail/parse/parse-mail.js';
import { pia } from '../../helpers/cli.js';
import { haveDovecot } from '../../helpers/dovecot.js';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';
import { startMailServers, type MailServers } from '../../helpers/mail-env.js';
import type { TestSmtp } from '../../helpers/smtp-sink.js';
import { nextEvent, until } from '../../helpers/wait.js';
import { fakeAgentEnv, testWorker } from '../../helpers/worker.js';

// Machine to machine: an agent on `local` runs `pia mail m3 "..."` (the fake agent does, through the `pia` its
// worker puts on its PATH). The mail really goes out over SMTP into the fleet's dovecot mailbox, comes back in
// through IMAP, runs on m3, and m3's result mail comes back the same way to the agent that asked.
const dovecotOk = haveDovecot();
// The agents here start `pia` (a Node process) to mail: at the default nice 19 a busy machine can starve it for
// longer than these tests wait. Priority itself is tested in tasks/priority.test.ts.
const NORMAL_PRIORITY = { PIA_AGENT_NICE: '0' };

let servers: MailServers | undefined;
let smtp: TestSmtp;
let f: TestFleet;
let m3: ReturnType<typeof testWorker>;

const header = (raw: string, name: string) => new RegExp(`^${name}: (.*)$`, 'im').exec(raw)?.[1]?.trim();

beforeAll(async () => {
  if (!dovecotOk) return;
  ({ smtp } = servers = await startMailServers());
  f = await startFleet({
    hubEnv: servers.hubEnv(),
    workerEnv: NORMAL_PRIORITY,
  });
  const { body } = await f.t.api<{ joinToken: string }>('POST', '/api/machines', { name: 'm3' });
  m3 = testWorker({ hub: f.t.linkUrl, join: body.joinToken, env: { ...fakeAgentEnv(), ...NORMAL_PRIORITY } });
  const online = nextEvent(f.t.pia.events, 'machine.online', (e) => e.machine === 'm3');
  void m3.run();
  await online;
}, 30_000);

afterAll(async () => {
  await m3?.stop();
  await f?.stop();
  await servers?.stop();
});

const tasksOn = (machine: string) => f.t.tasks({ machine, limit: 100 });

describe.skipIf(!dovecotOk)('machines mail each other', () => {
  it('pia mail --wait: the other machine runs the task and its answer comes back to the waiting agent by mail', async () => {
    const [asking] = await f.create({ kind: 'run', machine: 'local', prompt: 'mail-to=m3 mail-text=lines=2 mail-wait lines=0', origin: { kind: 'cli' } });
    const done = await f.finished(asking!.id, 25_000);
    expect(done.state).toBe('succeeded');
    const out = await f.outputText(asking!.id);
    // What the agent saw: the mail was sent, then m3's result (state, what it did), and `pia mail` exited 0.
    expect(out).toMatch(/pia mail: .*m3: succeeded.*line 2 \| Mailed m3 at pia\+m3@example\.test \(<[^>]+>\)\. Waiting for the answer\.\.\. \(exit 0\)/);

    // m3's task: asked on behalf of whoever asked the first task, never with more rights, and it came by mail.
    const other = (await tasksOn('m3')).find((t) => t.prompt === 'lines=2')!;
    expect(other).toMatchObject({ state: 'succeeded', requester: 'admin-token', origin: { kind: 'mail' } });

    // The mails really went through SMTP: the relay From local To m3, and m3's result back in its thread.
    const relay = smtp.messages.find((m) => header(m.raw, 'X-PIA-Kind') === 'relay' && header(m.raw, 'X-PIA-Task') === asking!.id)!;
    const parsedRelay = await parseMail(relay.raw);
    expect(parsedRelay.from?.address).toBe('pia+local@example.test');
    expect(parsedRelay.to).toEqual(['pia+m3@example.test']);
    expect(parsedRelay.subject).toBe('lines=2');
    expect(parsedRelay.headers.autoSubmitted).toBe('auto-generated');
    const result = smtp.messages.find((m) => header(m.raw, 'X-PIA-Kind') === 'result' && header(m.raw, 'X-PIA-Task') === other.id)!;
    const parsedResult = await parseMail(result.raw);
    expect(parsedResult.from?.address).toBe('pia+m3@example.test');
    expect(parsedResult.to).toEqual(['pia+local@example.test']);
    expect(parsedResult.inReplyTo).toBe(parsedRelay.messageId);
    expect(parsedResult.attachments).toHaveLength(1);
  }, 30_000);

  it('without --wait, the answer continues the asking agent\'s session once its task has ended', async () => {
    const [asking] = await f.create({ kind: 'run', machine: 'local', agent: 'claude', prompt: 'mail-to=m3 mail-text=lines=1 lines=0', origin: { kind: 'cli' } });
    const done = await f.finished(asking!.id, 15_000);
    expect(done.state).toBe('succeeded');
    expect(await f.outputText(asking!.id)).toMatch(/Mailed m3 at pia\+m3@example\.test .*use --wait to wait for it here\. \(exit 0\)/);
    const followUp = await until(async () => (await tasksOn('local')).find((t) => t.parentId === asking!.id), 25_000);
    expect(followUp).toMatchObject({ resumeSession: done.sessionId, requester: 'admin-token' });
    expect(followUp.prompt).toMatch(/^m3 answered the task you mailed it \("lines=1"\):\n\n.*m3: succeeded.*\n[^]*line 1$/);
    const resumed = await f.finished(followUp.id, 15_000);
    expect(await f.outputText(resumed.id)).toContain(`resumed: ${done.sessionId}`);
    // Exactly one follow-up, however often the mailbox is read.
    await f.t.pia.mail!.intake.settled();
    expect((await tasksOn('local')).filter((t) => t.parentId === asking!.id)).toHaveLength(1);
  }, 45_000);

  it('an unknown machine, this machine itself, and use outside a task get a clear error and send nothing', async () => {
    const before = smtp.messages.length;
    const [unknown] = await f.create({ kind: 'run', machine: 'local', prompt: 'mail-to=m9 mail-text=hi lines=0', origin: { kind: 'cli' } });
    const [self] = await f.create({ kind: 'run', machine: 'local', prompt: 'mail-to=local mail-text=hi lines=0', origin: { kind: 'cli' } });
    for (const t of [unknown!, self!]) await f.finished(t.id);
    expect(await f.outputText(unknown!.id)).toContain('pia mail: pia: No machine named "m9". Did you mean "m3"? (exit 1)');
    expect(await f.outputText(self!.id)).toContain('pia mail: pia: local is this machine: do the work here instead of mailing it. (exit 1)');
    const outside = await pia(['mail', 'm3', 'hello']);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toMatch(/^pia: pia mail works inside a task a PIA worker runs/);
    await f.t.pia.mail!.outbox.flush();
    expect(smtp.messages.slice(before).filter((m) => header(m.raw, 'X-PIA-Kind') === 'relay')).toHaveLength(0);
  }, 20_000);
});

describe('machine to machine without mail on the hub', () => {
  let plain: TestFleet;
  beforeAll(async () => {
    plain = await startFleet({ workerEnv: NORMAL_PRIORITY });
  });
  afterAll(async () => {
    await plain.stop();
  });

  it('pia mail says that mail is off and how to turn it on', async () => {
    const [t] = await plain.create({ kind: 'run', machine: 'local', prompt: 'mail-to=m3 mail-text=hi lines=0', origin: { kind: 'cli' } });
    await plain.finished(t!.id);
    expect(await plain.outputText(t!.id)).toContain('pia mail: pia: Mail is off on this hub: set PIA_MAIL_ADDRESS');
  });

  it('a token that is not a running task\'s is refused by the worker', async () => {
    const [t] = await plain.create({ kind: 'run', machine: 'local', prompt: 'env=PIA_WORKER_SOCKET env=PIA_TASK_TOKEN lines=0', origin: { kind: 'cli' } });
    await plain.finished(t!.id);
    const out = await plain.outputText(t!.id);
    const socket = /env PIA_WORKER_SOCKET=(\S+)/.exec(out)![1]!;
    const token = /env PIA_TASK_TOKEN=(\S+)/.exec(out)![1]!;
    expect(token.length).toBeGreaterThanOrEqual(32);
    // The task has ended, so its token no longer works; nor does a made-up one.
    for (const bad of [token, 'x'.repeat(32)]) {
      const r = await pia(['mail', 'm3', 'hello'], { PIA_WORKER_SOCKET: socket, PIA_TASK_TOKEN: bad });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('pia: PIA_TASK_TOKEN does not belong to a running task on this worker\n');
    }
  });
});
