import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';
import { offlineMailEnv, stampAuth } from '../../helpers/mail-env.js';

// The handler's own guarantee, without a mail server: a message (mailbox, UIDVALIDITY, UID, Message-ID) acts once,
// also when it is handed over again after a restart that came between the commit and the filing.
let f: TestFleet;
beforeAll(async () => {
  f = await startFleet({
    hubEnv: offlineMailEnv(),
  });
});
afterAll(async () => {
  await f.stop();
});

const raw = (id: string) => Buffer.from(stampAuth(['From: ada@example.test', 'To: pia+local@example.test', 'Subject: once', `Message-ID: ${id}`, '', 'lines=0'].join('\r\n')));

describe('exactly once', () => {
  it('the same UID, or the same Message-ID under another UID, never makes a second task', async () => {
    const handler = f.t.pia.mail!.handler;
    expect(await handler.handle({ mailbox: 'INBOX', uidvalidity: 7, uid: 1, raw: raw('<x1@example.test>') })).toBe('task');
    expect(await handler.handle({ mailbox: 'INBOX', uidvalidity: 7, uid: 1, raw: raw('<x1@example.test>') })).toBe('duplicate');
    expect(await handler.handle({ mailbox: 'INBOX', uidvalidity: 8, uid: 5, raw: raw('<x1@example.test>') })).toBe('duplicate');
    expect(handler.known('INBOX', 7, 1)).toEqual({ outcome: 'task' });
    expect((await f.t.tasks({ limit: 10 })).filter((t) => t.prompt === 'once\n\nlines=0')).toHaveLength(1);
    // The acknowledgement was queued in the same transaction: one row, waiting for the (unreachable) SMTP server.
    expect(f.t.db().prepare("SELECT count(*) FROM mail_outbox WHERE kind = 'ack'").pluck().get()).toBe(1);
  });

  it('a crash after the task was made but before the mail was recorded: handled again, the mail finds its task', async () => {
    const handler = f.t.pia.mail!.handler;
    const id = '<crash-1@example.test>';
    expect(await handler.handle({ mailbox: 'INBOX', uidvalidity: 7, uid: 10, raw: raw(id) })).toBe('task');
    const [task] = (await f.t.tasks({ limit: 1 }));
    // What the crash would leave: the task (made by the action), but not the mail's own transaction (its record,
    // its thread links, its acknowledgement).
    const db = f.t.db();
    db.transaction(() => {
      db.prepare('DELETE FROM mail_inbound WHERE message_id = ?').run(id);
      db.prepare('DELETE FROM mail_task_messages WHERE task_id = ?').run(task!.id);
      db.prepare('DELETE FROM mail_task_origins WHERE task_id = ?').run(task!.id);
      db.prepare("DELETE FROM mail_outbox WHERE kind = 'ack' AND task_id = ?").run(task!.id);
    })();
    expect(await handler.handle({ mailbox: 'INBOX', uidvalidity: 7, uid: 10, raw: raw(id) })).toBe('task');
    expect((await f.t.tasks({ limit: 50 })).filter((t) => t.id === task!.id || t.createdAt > task!.createdAt)).toHaveLength(1);
    expect(handler.known('INBOX', 7, 10)).toEqual({ outcome: 'task' });
    expect(db.prepare("SELECT count(*) FROM mail_outbox WHERE kind = 'ack' AND task_id = ?").pluck().get(task!.id)).toBe(1);
  });

  it('a mail that is not a message at all is recorded as failed, not retried for ever', async () => {
    expect(await f.t.pia.mail!.handler.handle({ mailbox: 'INBOX', uidvalidity: 7, uid: 2, raw: Buffer.from('\u0000\u0001 not mail') })).toMatch(/^(failed|ignored)$/);
    expect(f.t.pia.mail!.handler.known('INBOX', 7, 2)).toBeDefined();
  });
});
