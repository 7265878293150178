import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMail } from '../../../src/mail/parse/parse-mail.js';
import { haveDovecot, type TestDovecot } from '../../helpers/dovecot.js';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';
import { stampAuth, startMailServers, type MailServers } from '../../helpers/mail-env.js';
import type { TestSmtp } from '../../helpers/smtp-sink.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';
import { until } from '../../helpers/wait.js';

// PIA_MAIL_MAX_BYTES against a real dovecot: the hub reads the fleet's mailbox through a loopback proxy that counts
// what it downloads, so "a big message is not fetched" is measured, not assumed.
const dovecotOk = haveDovecot();
const LIMIT = 64 * 1024;
const BIG = 2 * 1024 * 1024;

let servers: MailServers | undefined;
let dovecot: TestDovecot;
let smtp: TestSmtp;
let proxy: TcpProxy | undefined;
let f: TestFleet;

beforeAll(async () => {
  if (!dovecotOk) return;
  ({ dovecot, smtp } = servers = await startMailServers());
  proxy = await startTcpProxy(dovecot.imapPort);
  f = await startFleet({ hubEnv: servers.hubEnv({ PIA_IMAP_PORT: String(proxy.port), PIA_MAIL_MAX_BYTES: String(LIMIT) }) });
  await until(() => f.t.pia.mail!.intake.passes >= 1, 10_000);
}, 30_000);

afterAll(async () => {
  await f?.stop();
  await proxy?.close();
  await servers?.stop();
});

function bigMail(from: string, subject: string, bytes: number): { id: string; raw: string } {
  const id = `<${randomUUID()}@example.test>`;
  const line = `${'x'.repeat(76)}\r\n`;
  const raw = [`From: ${from}`, 'To: pia+local@example.test', `Subject: ${subject}`, `Message-ID: ${id}`, 'Content-Type: text/plain', '', 'lines=0', line.repeat(Math.ceil(bytes / line.length))].join('\r\n');
  return { id, raw };
}
const inbound = (id: string) => f.t.db().prepare('SELECT outcome, detail, filed FROM mail_inbound WHERE message_id = ?').get(id) as { outcome: string; detail: string; filed: number } | undefined;
const repliesTo = (id: string) => smtp.messages.filter((s) => s.raw.includes(`In-Reply-To: ${id}`));

describe.skipIf(!dovecotOk)('mail size limit', () => {
  it('a mail over PIA_MAIL_MAX_BYTES is not downloaded or acted on; it is filed and its sender told the limit', async () => {
    const before = proxy!.downloaded;
    const m = bigMail('Ada <ada@example.test>', 'huge log', BIG);
    await dovecot.deliver('pia@example.test', stampAuth(m.raw));
    const answer = await until(() => repliesTo(m.id)[0], 15_000);
    const text = (await parseMail(answer.raw)).text;
    expect(text).toBe('Your mail was not read: it is 2 MB, and PIA reads mail up to 64 KB (PIA_MAIL_MAX_BYTES). Send it again without the large attachments.\n');
    expect(answer.envelope.to).toEqual(['ada@example.test']);
    await until(() => inbound(m.id)?.filed === 1, 10_000);
    expect(inbound(m.id)).toMatchObject({ outcome: 'too_big', detail: expect.stringMatching(/^\d+ bytes, over PIA_MAIL_MAX_BYTES \(65536\)$/) });
    expect((await f.t.tasks({ limit: 100 })).filter((t) => t.prompt?.startsWith('huge log'))).toHaveLength(0);
    expect(proxy!.downloaded - before).toBeLessThan(LIMIT * 2);
  });

  it('an over-size mail from a stranger or with a forged From gets no answer (silence is the default)', async () => {
    const stranger = bigMail('stranger@elsewhere.example', 'big from a stranger', BIG);
    const forged = bigMail('ada@example.test', 'big and forged', BIG);
    await dovecot.deliver('pia@example.test', stampAuth(stranger.raw));
    await dovecot.deliver('pia@example.test', forged.raw); // no Authentication-Results from the fleet's server
    const small = bigMail('ada@example.test', 'small after big', 100);
    await dovecot.deliver('pia@example.test', stampAuth(small.raw));
    await until(async () => (await f.t.tasks({ limit: 100 })).find((t) => t.prompt?.startsWith('small after big')), 15_000);
    await until(() => (inbound(stranger.id)?.filed === 1 && inbound(forged.id)?.filed === 1 ? true : undefined), 10_000);
    expect(inbound(stranger.id)?.outcome).toBe('refused');
    expect(inbound(forged.id)).toMatchObject({ outcome: 'refused', detail: expect.stringMatching(/^not authenticated: /) });
    await f.t.pia.mail!.outbox.flush();
    expect(repliesTo(stranger.id)).toHaveLength(0);
    expect(repliesTo(forged.id)).toHaveLength(0);
  });
});
