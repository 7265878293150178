import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveDovecot, type TestDovecot } from '../../helpers/dovecot.js';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';
import { stampAuth, startMailServers, type MailServers } from '../../helpers/mail-env.js';
import { until } from '../../helpers/wait.js';

// New mail must arrive through IMAP IDLE, not the fallback poll: here the poll is an hour, so only IDLE can make the
// task. (The intake holds its mailbox lock for the whole session, and imapflow only idles by itself without one.)
const dovecotOk = haveDovecot();
let servers: MailServers | undefined;
let dovecot: TestDovecot;
let f: TestFleet;

beforeAll(async () => {
  if (!dovecotOk) return;
  ({ dovecot } = servers = await startMailServers());
  f = await startFleet({ hubEnv: servers.hubEnv({ PIA_MAIL_POLL_S: '3600' }) });
}, 30_000);

afterAll(async () => {
  await f?.stop();
  await servers?.stop();
});

describe.skipIf(!dovecotOk)('IMAP IDLE', () => {
  it('a mail delivered while the hub waits becomes a task within seconds, with the poll an hour away', async () => {
    await until(() => f.t.pia.mail!.intake.passes >= 1, 10_000); // the first pass is done; the session idles
    const id = `<${randomUUID()}@example.test>`;
    const raw = ['From: ada@example.test', 'To: pia+local@example.test', 'Subject: idle check', `Message-ID: ${id}`, '', 'lines=0'].join('\r\n');
    const sent = Date.now();
    await dovecot.deliver('pia@example.test', stampAuth(raw));
    const task = await until(async () => (await f.t.tasks({ limit: 10 })).find((t) => t.prompt === 'idle check\n\nlines=0'), 5000);
    expect(Date.parse(task.createdAt) - sent).toBeLessThan(3000);
  });
});
