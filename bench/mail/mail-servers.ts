import { existsSync } from 'node:fs';
import { ImapFlow } from 'imapflow';
import { DOVECOT, startDovecot, type TestDovecot } from '../../test/helpers/dovecot.js';

/** Debian's LMTP service binary: without it dovecot starts, but no delivery works. */
const DOVECOT_LMTP = '/usr/lib/dovecot/lmtp';

/** What to run when dovecot is missing. */
export const INSTALL_LINE = 'apt-get install -y --no-install-recommends dovecot-imapd dovecot-lmtpd';

/** The mailbox accounts, one per job, so no phase or baseline ever sees another's mail. */
export const ACCOUNTS = {
  /** The fleet's mailbox the hub drains at start. */
  drain: 'drain@example.test',
  /** The same backlog, fetched and moved by a plain IMAP client in as few commands as IMAP allows. */
  rawBatch: 'raw-batch@example.test',
  /** The same backlog, fetched, flagged and moved one message at a time by a plain IMAP client. */
  rawSerial: 'raw-serial@example.test',
  /** The fleet's mailbox while single mails are timed to a running task. */
  idle: 'idle@example.test',
  /** A plain IMAP client in IDLE, timed from delivery to dovecot's EXISTS. */
  rawIdle: 'raw-idle@example.test',
} as const;

/** Every account's password (loopback only). */
export const PASSWORD = 'secret';

/** Whether dovecot's IMAP and LMTP parts are installed. */
export function dovecotInstalled(): boolean {
  return existsSync(DOVECOT) && existsSync(DOVECOT_LMTP);
}

/** Starts the test suite's private dovecot (IMAP and LMTP on free loopback ports) with the benchmark's accounts. */
export function startBenchDovecot(): Promise<TestDovecot> {
  return startDovecot({ users: Object.values(ACCOUNTS).map((user) => ({ user, pass: PASSWORD })) });
}

/** A plain imapflow client logged in to one of the accounts (no logging, no TLS: loopback). */
export async function imapClient(dovecot: TestDovecot, user: string): Promise<ImapFlow> {
  const client = new ImapFlow({ host: dovecot.host, port: dovecot.imapPort, secure: false, auth: { user, pass: PASSWORD }, logger: false });
  // An unheard 'error' event would end the benchmark; the command that failed rejects anyway.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/**
 * The hub's default done folder (PIA_MAIL_DONE_FOLDER unset: `PIA/Done`) as this server names it: the hub writes it
 * with the server's hierarchy separator, which is `.` on dovecot's default layout.
 */
export function hubDoneFolder(client: ImapFlow): string {
  return ['PIA', 'Done'].join(client.namespace?.delimiter || '/');
}

/** Messages in a folder right now (0 when it does not exist yet). */
export async function countMessages(client: ImapFlow, folder: string): Promise<number> {
  try {
    const status = await client.status(folder, { messages: true });
    return status && typeof status === 'object' ? (status.messages ?? 0) : 0;
  } catch {
    return 0;
  }
}
