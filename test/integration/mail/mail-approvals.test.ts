import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalView } from '../../../src/protocol/api.js';
import { parseMail } from '../../../src/mail/parse/parse-mail.js';
import { haveDovecot, type TestDovecot } from '../../helpers/dovecot.js';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';
import { stampAuth, startMailServers, type MailServers } from '../../helpers/mail-env.js';
import type { SinkMessage, TestSmtp } from '../../helpers/smtp-sink.js';
import { until } from '../../helpers/wait.js';

// Approvals by mail, end to end: a real dovecot holds the mailboxes, PIA's mail goes out through a real SMTP server
// into them, a worker's agent (the stand-in speaking Claude Code's control protocol) waits for the answer.
const dovecotOk = haveDovecot();
let servers: MailServers | undefined;
let dovecot: TestDovecot;
let smtp: TestSmtp;
let f: TestFleet;

function mail(m: { from?: string; subject: string; body: string; inReplyTo?: string }): { raw: string; id: string } {
  const id = `<${randomUUID()}@example.test>`;
  const raw = [
    `From: ${m.from ?? 'Ada <ada@example.test>'}`,
    'To: pia+local@example.test',
    `Subject: ${m.subject}`,
    `Message-ID: ${id}`,
    ...(m.inReplyTo ? [`In-Reply-To: ${m.inReplyTo}`, `References: ${m.inReplyTo}`] : []),
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    m.body,
  ].join('\r\n');
  return { raw: stampAuth(raw), id };
}
const repliesTo = (id: string) => smtp.messages.filter((s) => s.raw.includes(`In-Reply-To: ${id}`));
const kindOf = (s: SinkMessage) => /^X-PIA-Kind: (\w+)$/im.exec(s.raw)?.[1];

beforeAll(async () => {
  if (!dovecotOk) return;
  ({ dovecot, smtp } = servers = await startMailServers());
  f = await startFleet({ hubEnv: servers.hubEnv({ PIA_MAIL_UNKNOWN_SENDERS: 'refuse', PIA_VIEWERS: 'email:vic@example.test' }), workerEnv: { PIA_AGENT: 'claude' } });
});
afterAll(async () => {
  await f?.stop();
  await servers?.stop();
});

describe.skipIf(!dovecotOk)('approvals by mail', () => {
  it('the approval comes by mail; a reply from someone else is refused, the requester\'s "allow CODE" lets the agent go on', async () => {
    const m = mail({ subject: 'Make the files', body: 'ask=1 lines=0\nmode: edits\n\n-- \nAda\n' });
    await dovecot.deliver('pia@example.test', m.raw);
    const asked = await until(() => repliesTo(m.id).find((s) => kindOf(s) === 'approval'), 15_000);
    const a = await parseMail(asked.raw);
    const code = /\(([a-z0-9]{6})\):/.exec(a.text)![1]!;
    expect(a.from?.address).toBe('pia+local@example.test');
    expect(a.to).toEqual(['ada@example.test']);
    expect(a.subject).toBe('Re: Make the files');
    expect(a.text).toBe(
      `The agent on local waits for you before it uses Bash (${code}):\n\n    touch file-1.txt\n\n    (step 1)\n\nReply with one line:\n` +
        `    allow ${code}            allow it this once\n    allow ${code} task       allow it for the rest of this task\n    allow ${code} always     always on local (admins)\n` +
        `    deny ${code} <reason>    refuse it; the agent reads your reason\n\nNobody answering within 10 min denies it. Only a sender with the operator role can answer.\n`,
    );
    const task = (await f.t.tasks({ limit: 1 }))[0]!;
    expect(task.mode).toBe('edits');
    expect(task.prompt).toBe('Make the files\n\nask=1 lines=0');

    // Someone without a role, and a viewer: refused clearly, and nothing changes.
    const eve = mail({ from: 'eve@example.test', subject: 'Re: Make the files', body: `allow ${code}\n`, inReplyTo: a.messageId! });
    const vic = mail({ from: 'vic@example.test', subject: 'Re: Make the files', body: `allow ${code}\n`, inReplyTo: a.messageId! });
    await dovecot.deliver('pia@example.test', eve.raw);
    await dovecot.deliver('pia@example.test', vic.raw);
    expect((await parseMail((await until(() => repliesTo(eve.id)[0], 10_000)).raw)).text).toBe(
      "PIA does not take mail from eve@example.test. Ask the fleet's admin to run: pia users add email:eve@example.test operator\n",
    );
    expect((await parseMail((await until(() => repliesTo(vic.id)[0], 10_000)).raw)).text).toBe('approve needs the operator role; you are viewer.\n');
    expect((await f.t.api<{ approval: ApprovalView }>('GET', `/api/approvals/${code}`)).body.approval.state).toBe('pending');

    // Ada's reply: a line with the code, above the quoted mail (which says "allow" too).
    const yes = mail({ subject: 'Re: Make the files', body: `Allow ${code}\n\nOn Mon, Ada wrote:\n> deny ${code} <reason>\n`, inReplyTo: a.messageId! });
    await dovecot.deliver('pia@example.test', yes.raw);
    const answered = await parseMail((await until(() => repliesTo(yes.id)[0], 10_000)).raw);
    expect(answered.text).toMatch(new RegExp(`^✅ Bash \`touch file-1\\.txt\` \\(${code}\\) allowed once by email:ada@example\\.test at \\d\\d:\\d\\d:\\d\\d UTC\\n$`));
    const done = await f.finished(task.id, 15_000);
    expect(done.state).toBe('succeeded');
    const out = await f.outputText(task.id, ['stdout']);
    expect(out).toContain('permission-mode: acceptEdits\n');
    expect(out).toContain('allowed 1\n');
    // A second answer to a settled approval: refused clearly, by mail too.
    const again = mail({ subject: 'Re: Make the files', body: `deny ${code} too late\n`, inReplyTo: a.messageId! });
    await dovecot.deliver('pia@example.test', again.raw);
    expect((await parseMail((await until(() => repliesTo(again.id)[0], 10_000)).raw)).text).toMatch(new RegExp(`^⚠️ Approval ${code} was already allowed by email:ada@example\\.test at .+; nothing changed\\.\\n$`));
  });
});
