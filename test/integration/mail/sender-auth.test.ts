import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testChat } from '../../helpers/chat.js';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';
import { offlineMailEnv, TEST_AUTHSERV_ID } from '../../helpers/mail-env.js';

// Who a mail is from, as the hub decides it: only Authentication-Results written by the fleet's own receiving server
// (PIA_MAIL_AUTHSERV_ID) count, and they must show DMARC (or aligned DKIM) pass for the From domain. Forged mail is
// dropped without a word; answers go to the authenticated From address only. The handler runs on a real hub and
// worker; what it would send is read from the outbox table (SMTP is unreachable on purpose).
let f: TestFleet;
beforeAll(async () => {
  f = await startFleet({
    hubEnv: offlineMailEnv({
      PIA_MAIL_REQUIRE_AUTH: '1',
      PIA_MAIL_AUTHSERV_ID: TEST_AUTHSERV_ID,
      PIA_MAIL_UNKNOWN_SENDERS: 'refuse',
      PIA_DEFAULT_ROLE: 'viewer',
      PIA_OPERATORS: '',
      PIA_ADMINS: 'email:ada@example.test',
    }),
  });
});
afterAll(async () => {
  await f.stop();
});

let uid = 1;
let n = 0;
/** A mail to machine `local`; `auth` are Authentication-Results header values, topmost first. */
function mail(opts: { from?: string; subject?: string; body?: string; auth?: string[]; headers?: string[] } = {}) {
  const id = `<m${++n}.${Date.now()}@example.test>`;
  const raw = Buffer.from(
    [
      ...(opts.auth ?? []).map((a) => `Authentication-Results: ${a}`),
      `From: ${opts.from ?? 'Ada <ada@example.test>'}`,
      'To: pia+local@example.test',
      `Subject: ${opts.subject ?? `task ${n}`}`,
      `Message-ID: ${id}`,
      ...(opts.headers ?? []),
      '',
      opts.body ?? 'lines=0',
    ].join('\r\n'),
  );
  return { id, raw };
}
const handle = (m: { raw: Buffer }) => f.t.pia.mail!.handler.handle({ mailbox: 'INBOX', uidvalidity: 1, uid: uid++, raw: m.raw });
const sentFor = (id: string) =>
  f.t.db().prepare('SELECT kind, to_addrs, subject, body FROM mail_outbox WHERE in_reply_to = ? ORDER BY id').all(id) as Array<{ kind: string; to_addrs: string; subject: string; body: string }>;
const tasksNamed = async (subject: string) => (await f.t.tasks({ limit: 1000 })).filter((t) => (t.prompt ?? '').startsWith(subject));
const detailOf = (id: string) => f.t.db().prepare('SELECT outcome, detail FROM mail_inbound WHERE message_id = ?').get(id) as { outcome: string; detail: string };
const dmarcPass = `${TEST_AUTHSERV_ID}; dmarc=pass (p=reject) header.from=example.test`;

describe('mail sender authentication', () => {
  it('a mail with no Authentication-Results from the admin\'s address starts nothing and gets no answer', async () => {
    const m = mail({ subject: 'unauthenticated admin' });
    expect(await handle(m)).toBe('refused');
    expect(await tasksNamed('unauthenticated admin')).toHaveLength(0);
    expect(sentFor(m.id)).toEqual([]);
    expect(detailOf(m.id).detail).toMatch(/^not authenticated: /);
  });

  it.each([
    ['DKIM pass for another domain, DMARC fail', `${TEST_AUTHSERV_ID}; dkim=pass header.d=attacker.example; dmarc=fail header.from=example.test`],
    ['"spf=pass" inside a comment', `${TEST_AUTHSERV_ID}; spf=fail (spf=pass dkim=pass dmarc=pass) smtp.mailfrom=example.test`],
    ['"spf=pass" as the local part of smtp.mailfrom', `${TEST_AUTHSERV_ID}; spf=none smtp.mailfrom=spf=pass@attacker.example`],
    ['"dmarc=pass" in a quoted property value', `${TEST_AUTHSERV_ID}; dkim=none header.b="dmarc=pass header.from=example.test"`],
    ['SPF pass alone (it vouches for the envelope, not From)', `${TEST_AUTHSERV_ID}; spf=pass smtp.mailfrom=example.test`],
    ['DMARC pass written by another server', 'mx.attacker.example; dmarc=pass header.from=example.test'],
    ['DMARC pass for another From domain', `${TEST_AUTHSERV_ID}; dmarc=pass header.from=attacker.example`],
    ['DKIM pass for a look-alike domain', `${TEST_AUTHSERV_ID}; dkim=pass header.d=notexample.test`],
  ])('refuses %s, silently', async (_, header) => {
    const m = mail({ subject: `forged ${n}`, auth: [header] });
    expect(await handle(m)).toBe('refused');
    expect(await tasksNamed(`forged ${n}`)).toHaveLength(0);
    expect(sentFor(m.id)).toEqual([]);
  });

  it('a forged pass below the server\'s own failing header does not help', async () => {
    const m = mail({ subject: 'forged below', auth: [`${TEST_AUTHSERV_ID}; dmarc=fail header.from=example.test`, dmarcPass] });
    expect(await handle(m)).toBe('refused');
    expect(sentFor(m.id)).toEqual([]);
  });

  it('a DMARC pass from the fleet\'s server is taken, and the answers go to From, never Reply-To', async () => {
    const m = mail({ subject: 'genuine', auth: [dmarcPass, 'mx.attacker.example; dmarc=fail'], headers: ['Reply-To: eve@attacker.example'] });
    expect(await handle(m)).toBe('task');
    const [task] = await tasksNamed('genuine');
    expect(task).toBeDefined();
    const sent = sentFor(m.id);
    expect(sent.map((s) => [s.kind, JSON.parse(s.to_addrs)])).toEqual([['ack', ['ada@example.test']]]);
    const origin = f.t.db().prepare('SELECT reply_to FROM mail_task_origins WHERE task_id = ?').pluck().get(task!.id) as string;
    expect(JSON.parse(origin)).toEqual(['ada@example.test']);
  });

  it('a command\'s answer goes to From as well', async () => {
    const m = mail({ subject: 'status', body: '', auth: [dmarcPass], headers: ['Reply-To: eve@attacker.example'] });
    expect(await handle(m)).toBe('command');
    expect(sentFor(m.id).map((s) => JSON.parse(s.to_addrs))).toEqual([['ada@example.test']]);
  });

  it('an aligned DKIM pass (the From domain or a parent or child of it) is taken', async () => {
    const signedBySub = mail({ subject: 'dkim child', auth: [`${TEST_AUTHSERV_ID}; dkim=pass header.d=mail.example.test header.s=s1; spf=fail smtp.mailfrom=x.example`] });
    expect(await handle(signedBySub)).toBe('task');
    const exact = mail({ subject: 'dkim exact', auth: [`${TEST_AUTHSERV_ID} 1; dkim/1 (good) = pass header . d = "example.test"`] });
    expect(await handle(exact)).toBe('task');
  });

  it('a mail with two From addresses is not authenticated (whose would it be?)', async () => {
    const m = mail({ from: 'ada@example.test, eve@attacker.example', subject: 'two froms', auth: [dmarcPass] });
    expect(await handle(m)).toBe('refused');
    expect(sentFor(m.id)).toEqual([]);
  });
});

describe('mail senders and roles', () => {
  it('PIA_DEFAULT_ROLE does not reach mail: an authenticated stranger\'s `tasks` gets no task list', async () => {
    await f.create({ kind: 'run', machine: 'local', prompt: 'secret-prompt lines=0', origin: { kind: 'cli' } });
    const m = mail({ from: 'stranger@elsewhere.example', subject: 'tasks', body: '', auth: [`${TEST_AUTHSERV_ID}; dmarc=pass header.from=elsewhere.example`] });
    expect(await handle(m)).toBe('refused');
    const sent = sentFor(m.id);
    expect(sent.map((s) => s.kind)).toEqual(['refusal']);
    expect(sent[0]!.body).not.toContain('secret-prompt');
    expect(sent[0]!.body).toBe('PIA does not take mail from stranger@elsewhere.example. Ask the fleet\'s admin to run: pia users add email:stranger@elsewhere.example operator\n');
  });

  it('the default role still applies to chat identities; a mail sender has only the role given to the address', async () => {
    const slack = testChat(f.t.pia.chat, 'slack');
    expect((await slack.say('slack:UANYONE', 'whoami')).text).toBe('You are slack:UANYONE, viewer.');
    const m = mail({ subject: 'whoami', body: '', auth: [dmarcPass] });
    expect(await handle(m)).toBe('command');
    expect(sentFor(m.id).map((s) => s.body)).toEqual(['You are email:ada@example.test, admin.\n']);
  });
});

describe('refusals', () => {
  it('an authenticated sender without a role gets one short refusal a day, with a fixed subject', async () => {
    const auth = [`${TEST_AUTHSERV_ID}; dmarc=pass header.from=bob.example`];
    const first = mail({ from: 'bob@bob.example', subject: 'Buy cheap pills at spam.example', auth });
    const second = mail({ from: 'bob@bob.example', subject: 'again', auth });
    expect(await handle(first)).toBe('refused');
    expect(await handle(second)).toBe('refused');
    const sent = sentFor(first.id);
    expect(sent.map((s) => [s.kind, JSON.parse(s.to_addrs), s.subject])).toEqual([['refusal', ['bob@bob.example'], 'PIA: mail not taken']]);
    expect(sentFor(second.id)).toEqual([]);
  });

  it('refusals are capped for the whole hub: at most 20 a day, however many senders', async () => {
    const before = f.t.db().prepare("SELECT count(*) FROM mail_outbox WHERE kind = 'refusal'").pluck().get() as number;
    for (let i = 0; i < 30; i++) {
      const domain = `d${i}.spam.example`;
      expect(await handle(mail({ from: `x@${domain}`, auth: [`${TEST_AUTHSERV_ID}; dmarc=pass header.from=${domain}`] }))).toBe('refused');
    }
    const after = f.t.db().prepare("SELECT count(*) FROM mail_outbox WHERE kind = 'refusal'").pluck().get() as number;
    expect(after).toBe(20);
    expect(before).toBeLessThan(20);
  });
});
