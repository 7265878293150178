import { randomUUID } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { createTransport } from 'nodemailer';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { haveDovecot, startDovecot, type TestDovecot } from '../../helpers/dovecot.js';
import { startSmtpSink, type TestSmtp } from '../../helpers/smtp-sink.js';

// Proves the mail test harness itself (real dovecot for IMAP + LMTP, real smtp-server for SMTP), so the mail
// gateway's tests can trust it. Recipes: TESTING.md, "IMAP: dovecot in the foreground" and "SMTP".
const dovecotOk = haveDovecot();

function rawMessage(m: { from: string; to: string; subject: string; body: string }): string {
  return [
    `From: ${m.from}`,
    `To: ${m.to}`,
    `Subject: ${m.subject}`,
    `Message-ID: <${randomUUID()}@example.test>`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    m.body,
  ].join('\r\n');
}

/** The body of a fetched message: everything after the header block, byte for byte. */
function bodyOf(source: Buffer): string {
  const text = source.toString('utf8');
  return text.slice(text.indexOf('\r\n\r\n') + 4);
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe.skipIf(!dovecotOk)('mail harness: dovecot (IMAP + LMTP)', () => {
  let dovecot: TestDovecot;
  const clients: ImapFlow[] = [];

  async function imap(user: string): Promise<ImapFlow> {
    const pass = dovecot.users.find((u) => u.user === user)?.pass ?? '';
    const client = new ImapFlow({ host: dovecot.host, port: dovecot.imapPort, secure: false, auth: { user, pass }, logger: false });
    // A dropped connection is reported as 'error' too; unheard, it would crash the worker.
    client.on('error', () => {});
    clients.push(client);
    await client.connect();
    return client;
  }

  /** The INBOX message with this subject, fetched with its full source. */
  async function findBySubject(client: ImapFlow, subject: string) {
    const all = await client.fetchAll('1:*', { envelope: true, source: true });
    return all.find((m) => m.envelope?.subject === subject);
  }

  beforeAll(async () => {
    dovecot = await startDovecot();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => (c.usable ? c.logout().catch(() => c.close()) : c.close())));
  });

  afterAll(async () => {
    await dovecot?.stop();
  });

  it('delivers over LMTP and reads the same subject and body back over IMAP', async () => {
    const subject = `status of worker-1 ${randomUUID()}`;
    const body = 'pia status worker-1\r\nsecond line, with ünïcode\r\n';
    await dovecot.deliver('pia@example.test', rawMessage({ from: 'Ada <ada@example.test>', to: 'pia@example.test', subject, body }));

    const client = await imap('pia@example.test');
    await client.mailboxOpen('INBOX');
    const msg = await findBySubject(client, subject);
    expect(msg?.envelope?.from?.[0]?.address).toBe('ada@example.test');
    expect(bodyOf(msg?.source ?? Buffer.alloc(0))).toBe(body);
  });

  it('IDLE reports a new message (the exists event) within 2 s of delivery', async () => {
    const client = await imap('pia@example.test');
    // Copied out: imapflow updates the opened mailbox object in place as EXISTS responses arrive.
    const before = (await client.mailboxOpen('INBOX')).exists;
    const seen = new Promise<number>((resolve) =>
      client.on('exists', (e) => {
        if (e.count > before) resolve(e.count);
      }),
    );
    void client.idle();

    const started = Date.now();
    await dovecot.deliver('pia@example.test', rawMessage({ from: 'ada@example.test', to: 'pia@example.test', subject: 'idle', body: 'x\r\n' }));
    const count = await within(seen, 2000, 'IDLE exists event');
    expect(count).toBe(before + 1);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('the SMTP sink records the envelope and forwards the message into a real mailbox', async () => {
    const sink: TestSmtp = await startSmtpSink({ forwardTo: { lmtpPort: dovecot.lmtpPort } });
    try {
      const subject = `Re: deploy ${randomUUID()}`;
      const transport = createTransport({
        host: sink.host,
        port: sink.port,
        secure: false,
        ignoreTLS: true,
        auth: { user: 'pia@example.test', pass: 'anything' },
      });
      await transport.sendMail({ from: 'pia@example.test', to: 'ada@example.test', subject, text: 'deployed.\n' });
      transport.close();

      const got = await sink.waitFor((m) => m.raw.includes(subject), 2000);
      expect(got.envelope).toEqual({ from: 'pia@example.test', to: ['ada@example.test'] });
      expect(got.user).toBe('pia@example.test');
      expect(got.forwarded).toEqual(['ada@example.test']);

      // Forwarding finishes before the sink accepts, so the reply is already in ada's mailbox.
      const client = await imap('ada@example.test');
      await client.mailboxOpen('INBOX');
      const msg = await findBySubject(client, subject);
      expect(bodyOf(msg?.source ?? Buffer.alloc(0))).toBe('deployed.\r\n');
    } finally {
      await sink.close();
    }
  });

  it('restart() drops IMAP connections and comes back on the same port with the mail kept', async () => {
    const subject = `kept across restart ${randomUUID()}`;
    await dovecot.deliver('pia@example.test', rawMessage({ from: 'ada@example.test', to: 'pia@example.test', subject, body: 'still here\r\n' }));
    const before = await imap('pia@example.test');
    await before.mailboxOpen('INBOX');
    const closed = new Promise<void>((resolve) => before.once('close', () => resolve()));
    const port = dovecot.imapPort;

    await dovecot.restart();
    await within(closed, 2000, "old IMAP client's close event");
    expect(before.usable).toBe(false);

    expect(dovecot.imapPort).toBe(port);
    const after = await imap('pia@example.test');
    await after.mailboxOpen('INBOX');
    expect((await findBySubject(after, subject))?.envelope?.subject).toBe(subject);
  });
});

// The sink alone needs no system package, so these run everywhere.
describe('mail harness: SMTP sink', () => {
  let sink: TestSmtp;

  beforeAll(async () => {
    sink = await startSmtpSink({ failFirst: 1 });
  });

  afterAll(async () => {
    await sink?.close();
  });

  it('failFirst answers 451, which nodemailer reports, and then accepts the retry', async () => {
    const transport = createTransport({ host: sink.host, port: sink.port, secure: false, ignoreTLS: true });
    const mail = { from: 'pia@example.test', to: 'ada@example.test', subject: 'retry me', text: 'hello\n' };
    try {
      await expect(transport.sendMail(mail)).rejects.toMatchObject({ responseCode: 451 });
      expect(sink.failed).toBe(1);
      expect(sink.messages).toHaveLength(0);

      const pending = sink.waitFor((m) => m.raw.includes('Subject: retry me'), 2000);
      await transport.sendMail(mail);
      const got = await pending;
      expect(got.envelope).toEqual({ from: 'pia@example.test', to: ['ada@example.test'] });
      expect(got.user).toBeUndefined();
      expect(got.forwarded).toBeUndefined();
      expect(sink.messages).toHaveLength(1);
    } finally {
      transport.close();
    }
  });
});
