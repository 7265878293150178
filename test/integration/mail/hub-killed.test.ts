import { randomUUID } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ImapFlow } from 'imapflow';
import { afterEach, describe, expect, it } from 'vitest';
import { exited, spawnPia } from '../../helpers/cli.js';
import { haveDovecot, type TestDovecot } from '../../helpers/dovecot.js';
import { ADMIN_TOKEN } from '../../helpers/hub.js';
import { stampAuth, startMailServers } from '../../helpers/mail-env.js';
import { freePort } from '../../helpers/ports.js';
import { tempDir } from '../../helpers/tmp.js';
import { until } from '../../helpers/wait.js';

// The requirement "the hub killed mid-processing and restarted -> exactly one task", for mail: a real hub
// process reads a real dovecot mailbox full of task mails, is SIGKILLed in the middle of the batch, and comes back
// on the same data dir. What the sender and the fleet's mailbox show afterwards must be as if nothing happened.
const dovecotOk = haveDovecot();

/** Enough mails that the intake is still busy when the kill lands, few enough to stay fast. */
const MAILS = 40;
/** Handled mails to wait for before the kill: past the first few, well short of all of them. */
const KILL_AFTER = 8;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** One task mail from Ada to machine m2, with a token that only its prompt can contain. */
function taskMail(i: number): { id: string; token: string; raw: string } {
  const id = `<job-${i}.${randomUUID()}@example.test>`;
  const token = `token-${randomUUID()}`;
  const raw = [
    'From: Ada <ada@example.test>',
    'To: pia+m2@example.test',
    `Subject: Job ${i}`,
    `Message-ID: ${id}`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Please do job ${i}: ${token}`,
    '',
  ].join('\r\n');
  return { id, token, raw: stampAuth(raw) };
}

/** An IMAP client of the test dovecot, logged out by the test's cleanup. */
async function imapClient(dovecot: TestDovecot, user: string): Promise<ImapFlow> {
  const pass = dovecot.users.find((u) => u.user === user)?.pass ?? '';
  const client = new ImapFlow({ host: dovecot.host, port: dovecot.imapPort, secure: false, auth: { user, pass }, logger: false });
  client.on('error', () => {}); // a dropped connection must not crash the test process
  await client.connect();
  cleanups.push(() => client.logout().catch(() => client.close()));
  return client;
}

/** Envelope Message-ID and In-Reply-To of every message in a folder. */
async function folder(client: ImapFlow, name: string): Promise<Array<{ messageId: string; inReplyTo: string }>> {
  const lock = await client.getMailboxLock(name);
  try {
    if (client.mailbox === false || client.mailbox.exists === 0) return [];
    const all = await client.fetchAll('1:*', { envelope: true });
    return all.map((m) => ({ messageId: m.envelope?.messageId ?? '', inReplyTo: m.envelope?.inReplyTo ?? '' }));
  } finally {
    lock.release();
  }
}

/** How many messages a folder holds right now. */
async function count(client: ImapFlow, name: string): Promise<number> {
  const status = await client.status(name, { messages: true });
  if (status === false || status.messages === undefined) throw new Error(`IMAP STATUS ${name} failed`);
  return status.messages;
}

/** Counts from the hub's SQLite file, read from outside the running hub (WAL mode lets a reader in). */
function hubRecords(file: string) {
  let db: Database.Database | undefined;
  const get = (sql: string): number => {
    db ??= new Database(file, { readonly: true, fileMustExist: true });
    return db.prepare(sql).pluck().get() as number;
  };
  return {
    /** Mails the handler recorded: each in the same transaction as its task and acknowledgement. */
    handled: () => get('SELECT count(*) FROM mail_inbound'),
    /** Mails the intake moved to the done folder after recording them. */
    filed: () => get('SELECT count(*) FROM mail_inbound WHERE filed = 1'),
    /** Queued replies not yet taken by the SMTP server. */
    unsent: () => get("SELECT count(*) FROM mail_outbox WHERE state = 'pending'"),
    close: () => {
      db?.close();
      db = undefined;
    },
  };
}

/** The first value of a header in a raw message's header block (In-Reply-To, Message-ID, X-PIA-*). */
function header(raw: string, name: string): string | undefined {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
  return new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head)?.[1]?.trim();
}

describe.skipIf(!dovecotOk)('mail: the hub killed mid-batch', () => {
  it('SIGKILLed while reading a full mailbox and restarted: one task and one acknowledgement per mail, every mail filed once', async () => {
    const servers = await startMailServers();
    cleanups.push(() => servers.stop());
    const { dovecot, smtp } = servers;

    const data = tempDir('pia-mail-kill-');
    cleanups.push(data.cleanup);
    const dataDir = path.join(data.dir, 'hub');
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = {
      PIA_DATA_DIR: dataDir,
      PIA_HOST: '127.0.0.1',
      PIA_PORT: String(port),
      PIA_ADMIN_TOKEN: ADMIN_TOKEN,
      PIA_LOCAL_WORKER: '0',
      PIA_LOG_FORMAT: 'json',
      ...servers.hubEnv(),
    };
    const api = async <T>(method: string, p: string, body?: unknown): Promise<T> => {
      const res = await fetch(base + p, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      expect(res.ok, `${method} ${p}: HTTP ${res.status}`).toBe(true);
      return (await res.json()) as T;
    };
    const healthy = () => until(async () => (await fetch(`${base}/api/health`).catch(() => undefined))?.ok, 15_000);
    const startHub = () => {
      const hub = spawnPia(['hub'], env);
      cleanups.push(() => hub.kill('SIGKILL'));
      return hub;
    };

    // m2 must exist before the mails are read (mail to an unknown machine is left alone for good), but it has no
    // worker: its tasks stay queued, so every task the API shows was made by the mail intake.
    let hub = startHub();
    await healthy();
    await api('POST', '/api/machines', { name: 'm2' });
    hub.kill('SIGTERM');
    expect(await exited(hub)).toBe(0);

    // The whole batch waits in the mailbox before the hub comes back, so the kill can land in the middle of it.
    const mails = Array.from({ length: MAILS }, (_, i) => taskMail(i + 1));
    for (const m of mails) await dovecot.deliver('pia@example.test', m.raw);
    const fleet = await imapClient(dovecot, 'pia@example.test');
    expect(await count(fleet, 'INBOX')).toBe(MAILS);

    // Watch the hub's own records from outside and kill it once some but not all mails are handled.
    const records = hubRecords(path.join(dataDir, 'pia.db'));
    cleanups.push(records.close);
    hub = startHub();
    await until(() => records.handled() >= KILL_AFTER, 15_000, 2);
    hub.kill('SIGKILL');
    await exited(hub);
    // Fail-able on purpose: a kill before the first mail or after the last would prove nothing.
    const atKill = { handled: records.handled(), filed: records.filed(), unsent: records.unsent() };
    expect(atKill.handled, `the kill landed mid-batch: ${JSON.stringify(atKill)}`).toBeGreaterThan(0);
    expect(atKill.handled, `the kill landed mid-batch: ${JSON.stringify(atKill)}`).toBeLessThan(MAILS);

    // Back on the same data dir and port. Settled once every mail is handled and no reply waits to be sent: the
    // outbox sends one mail at a time, so after that nothing more can reach the SMTP server.
    hub = startHub();
    await healthy();
    await until(() => records.handled() === MAILS && records.unsent() === 0, 20_000, 50).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify({ handled: records.handled(), unsent: records.unsent() })}\n${hub.output().slice(-2000)}`);
    });

    // One task per Message-ID, carrying that mail's own text.
    type TaskJson = { id: string; machine: string; state: string; prompt: string; origin: { kind: string; ref?: string } };
    const { tasks } = await api<{ tasks: TaskJson[] }>('GET', '/api/tasks?machine=m2&limit=1000');
    expect(tasks).toHaveLength(MAILS);
    const taskOf = new Map<string, TaskJson>();
    for (const m of mails) {
      const made = tasks.filter((t) => t.origin.ref === m.id);
      expect(made, `tasks made for ${m.id}`).toHaveLength(1);
      expect(made[0]!.prompt).toContain(m.token);
      expect(made[0]!.state).toBe('queued');
      taskOf.set(m.id, made[0]!);
    }

    // One acknowledgement per mail, threaded under it and naming its task. SMTP has no transaction to share with
    // SQLite, so the one reply in flight at the kill may go out again after the restart: with the same Message-ID,
    // which mail stores and clients treat as the same mail. A second, different acknowledgement is a failure.
    for (const m of mails) {
      const acks = smtp.messages.filter((s) => header(s.raw, 'In-Reply-To') === m.id);
      expect(new Set(acks.map((a) => header(a.raw, 'Message-ID'))).size, `distinct acknowledgements of ${m.id}`).toBe(1);
      expect(header(acks[0]!.raw, 'X-PIA-Kind')).toBe('ack');
      expect(header(acks[0]!.raw, 'X-PIA-Task')).toBe(taskOf.get(m.id)!.id);
      expect(acks[0]!.envelope.to).toEqual(['ada@example.test']);
    }
    expect(smtp.messages.length, 'mails sent: one each, plus at most the one in flight at the kill').toBeGreaterThanOrEqual(MAILS);
    expect(smtp.messages.length, 'mails sent: one each, plus at most the one in flight at the kill').toBeLessThanOrEqual(MAILS + 1);

    // What Ada's mail client shows: one reply in her INBOX per mail she sent.
    const ada = await imapClient(dovecot, 'ada@example.test');
    const replies = new Map((await folder(ada, 'INBOX')).map((r) => [r.messageId, r.inReplyTo]));
    expect([...replies.values()].sort()).toEqual(mails.map((m) => m.id).sort());

    // The fleet's mailbox: nothing left in the INBOX, every mail once in the done folder. The intake moves each mail
    // right after recording it, so give the last move a moment before looking.
    await until(async () => (await count(fleet, 'INBOX')) === 0, 5000).catch(() => undefined);
    expect(await count(fleet, 'INBOX'), 'mails left in the fleet INBOX').toBe(0);
    // PIA_MAIL_DONE_FOLDER is PIA/Done; the hub spells it in the server's own hierarchy (dovecot: PIA.Done).
    const done = await folder(fleet, ['PIA', 'Done'].join(fleet.namespace?.delimiter || '/'));
    expect(done.map((d) => d.messageId).sort()).toEqual(mails.map((m) => m.id).sort());
  }, 45_000);
});
