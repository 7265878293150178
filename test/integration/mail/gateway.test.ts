import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMail } from '../../../src/mail/parse/parse-mail.js';
import { haveDovecot, type TestDovecot } from '../../helpers/dovecot.js';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';
import type { TestSmtp, SinkMessage } from '../../helpers/smtp-sink.js';
import { stampAuth, startMailServers, type MailServers } from '../../helpers/mail-env.js';
import { until } from '../../helpers/wait.js';
import { fakeAgentEnv, testWorker } from '../../helpers/worker.js';
import { nextEvent } from '../../helpers/wait.js';

// The email gateway end to end: a real dovecot holds the fleet's mailbox (IMAP, IDLE) and the people's; PIA's
// replies go out through a real SMTP server (smtp-server) that delivers them into dovecot; a real worker runs the
// fake agent.
const dovecotOk = haveDovecot();

let servers: MailServers | undefined;
let dovecot: TestDovecot;
let smtp: TestSmtp;
let f: TestFleet;

function mail(m: { from?: string; to: string; cc?: string; subject: string; body: string; headers?: string[]; messageId?: string; inReplyTo?: string }): { raw: string; id: string } {
  const id = m.messageId ?? `<${randomUUID()}@example.test>`;
  const raw = [
    `From: ${m.from ?? 'Ada <ada@example.test>'}`,
    `To: ${m.to}`,
    ...(m.cc ? [`Cc: ${m.cc}`] : []),
    `Subject: ${m.subject}`,
    `Message-ID: ${id}`,
    ...(m.inReplyTo ? [`In-Reply-To: ${m.inReplyTo}`, `References: ${m.inReplyTo}`] : []),
    `Date: ${new Date().toUTCString()}`,
    ...(m.headers ?? []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    m.body,
  ].join('\r\n');
  // The test plays the fleet's receiving server, which vouches for the From domain.
  return { raw: stampAuth(raw), id };
}

const repliesTo = (id: string) => smtp.messages.filter((s) => s.raw.includes(`In-Reply-To: ${id}`));
async function reply(s: SinkMessage) {
  return parseMail(s.raw);
}

beforeAll(async () => {
  if (!dovecotOk) return;
  ({ dovecot, smtp } = servers = await startMailServers());
  f = await startFleet({
    hubEnv: servers.hubEnv({ PIA_MAIL_UNKNOWN_SENDERS: 'refuse' }),
    workerEnv: { PIA_AGENT: 'claude' },
  });
});

afterAll(async () => {
  await f?.stop();
  await servers?.stop();
});

describe.skipIf(!dovecotOk)('email gateway', () => {
  it('a mail to pia+local runs the agent; the answer comes back in the thread with the log attached', async () => {
    const m = mail({ to: 'PIA local <pia+local@example.test>', subject: 'Flaky test', body: 'Please fix the flaky test lines=3\n\n-- \nAda\n' });
    await dovecot.deliver('pia@example.test', m.raw);
    const [ack, result] = await until(() => {
      const r = repliesTo(m.id);
      return r.length >= 2 ? r : undefined;
    }, 15_000);
    const a = await reply(ack!);
    expect(a.from?.address).toBe('pia+local@example.test');
    expect(a.to).toEqual(['ada@example.test']);
    expect(a.subject).toBe('Re: Flaky test');
    expect(a.text).toMatch(/^Task \w+ \(run\) on local\. It has started\./);
    expect(a.headers.autoSubmitted).toBe('auto-replied');
    const r = await reply(result!);
    expect(r.references).toContain(m.id);
    expect(r.text).toContain('local: succeeded');
    expect(r.text).toContain('All done: fixed the flaky test.');
    expect(r.attachments).toEqual([expect.objectContaining({ filename: expect.stringMatching(/^pia-local-\w+\.log$/) })]);
    expect(result!.raw).toContain('line 3');
    // The prompt was the subject and the new text, the signature cut.
    const task = (await f.t.tasks({ limit: 1 }))[0]!;
    expect(task).toMatchObject({ machine: 'local', requester: 'email:ada@example.test', prompt: 'Flaky test\n\nPlease fix the flaky test lines=3' });
    expect(result!.forwarded).toEqual(['ada@example.test']); // it landed in Ada's mailbox
  });

  it('a reply to the result continues the same agent session', async () => {
    const first = (await f.t.tasks({ limit: 1 }))[0]!;
    const result = smtp.messages.find((s) => new RegExp(`^X-PIA-Task: ${first.id}$`, 'im').test(s.raw) && /^X-PIA-Kind: result$/im.test(s.raw))!;
    const resultId = (await reply(result)).messageId!;
    const m = mail({ to: 'pia+local@example.test', subject: 'Re: Flaky test', body: 'Now the docs lines=0\n\nOn Tue, 24 Nov 2026 at 10:02, Ada <ada@example.test> wrote:\n> old text\n', inReplyTo: resultId });
    await dovecot.deliver('pia@example.test', m.raw);
    await until(() => (repliesTo(m.id).length >= 2 ? true : undefined), 15_000);
    const followUp = (await f.t.tasks({ limit: 1 }))[0]!;
    expect(followUp).toMatchObject({ parentId: first.id, resumeSession: first.sessionId, prompt: 'Now the docs lines=0' });
  });

  it('two machines CC\'d: a task on each, each answering from its own address', async () => {
    const { body } = await f.t.api<{ joinToken: string }>('POST', '/api/machines', { name: 'm2' });
    const w = testWorker({ hub: f.t.linkUrl, join: body.joinToken, env: { ...fakeAgentEnv(), PIA_AGENT: 'claude' } });
    const online = nextEvent(f.t.pia.events, 'machine.online', (e) => e.machine === 'm2');
    void w.run();
    await online;
    const m = mail({ to: 'pia+local@example.test', cc: 'pia+m2@example.test, bob@example.test', subject: 'Both of you', body: 'lines=1' });
    await dovecot.deliver('pia@example.test', m.raw);
    await until(() => (repliesTo(m.id).length >= 4 ? true : undefined), 15_000);
    const froms = new Set(await Promise.all(repliesTo(m.id).map(async (s) => (await reply(s)).from?.address)));
    expect(froms).toEqual(new Set(['pia+local@example.test', 'pia+m2@example.test']));
    await w.stop();
  });

  it('an unknown (authenticated) sender is refused once a day; auto-replies and lists get no answer at all', async () => {
    const e1 = mail({ from: 'Eve <eve@example.test>', to: 'pia+local@example.test', subject: 'hi', body: 'run rm -rf lines=0' });
    await dovecot.deliver('pia@example.test', e1.raw);
    const refusal = await until(() => repliesTo(e1.id)[0], 10_000);
    const r = await reply(refusal);
    expect(r.subject).toBe('PIA: mail not taken');
    expect(r.text).toBe('PIA does not take mail from eve@example.test. Ask the fleet\'s admin to run: pia users add email:eve@example.test operator\n');
    const e2 = mail({ from: 'eve@example.test', to: 'pia+local@example.test', subject: 'again', body: 'please' });
    const auto = mail({ to: 'pia+local@example.test', subject: 'Out of office', body: 'I am away', headers: ['Auto-Submitted: auto-replied'] });
    const list = mail({ to: 'pia+local@example.test', subject: 'newsletter', body: 'news', headers: ['List-Id: <news.example.test>'] });
    for (const x of [e2, auto, list]) await dovecot.deliver('pia@example.test', x.raw);
    const tasksBefore = (await f.t.tasks({ limit: 1000 })).length;
    await until(() => {
      const rows = f.t.db().prepare('SELECT message_id FROM mail_inbound').pluck().all() as string[];
      return [e2.id, auto.id, list.id].every((id) => rows.includes(id)) ? true : undefined;
    }, 10_000);
    await f.t.pia.mail!.outbox.flush();
    expect(repliesTo(e2.id)).toHaveLength(0);
    expect(repliesTo(auto.id)).toHaveLength(0);
    expect(repliesTo(list.id)).toHaveLength(0);
    expect((await f.t.tasks({ limit: 1000 }))).toHaveLength(tasksBefore);
  });

  it('each mail acts once: the same Message-ID delivered twice, and the IMAP connection dropped and back', async () => {
    const m = mail({ to: 'pia+local@example.test', subject: 'once', body: 'only once lines=0' });
    await dovecot.deliver('pia@example.test', m.raw);
    await until(() => (repliesTo(m.id).length >= 2 ? true : undefined), 15_000);
    await dovecot.restart(); // the gateway's IMAP connection drops; it reconnects with backoff
    await dovecot.deliver('pia@example.test', m.raw); // a duplicate of the same message
    const after = mail({ to: 'pia+local@example.test', subject: 'after the drop', body: 'still here lines=0' });
    await dovecot.deliver('pia@example.test', after.raw);
    await until(() => (repliesTo(after.id).length >= 2 ? true : undefined), 20_000);
    const once = (await f.t.tasks({ limit: 1000 })).filter((t) => t.prompt === 'once\n\nonly once lines=0');
    expect(once).toHaveLength(1);
  });

  it('a subject that is a command runs it and answers', async () => {
    const m = mail({ to: 'pia+local@example.test', subject: 'status', body: '' });
    await dovecot.deliver('pia@example.test', m.raw);
    const answer = await until(() => repliesTo(m.id)[0], 10_000);
    expect((await reply(answer)).text).toMatch(/^\d+ of \d+ machine\(s\) online\./);
  });
});
