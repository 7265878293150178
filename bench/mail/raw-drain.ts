import type { TestDovecot } from '../../test/helpers/dovecot.js';
import { benchMails, runId } from './bench-mail.js';
import { deliverAll } from './deliver.js';
import { countMessages, imapClient } from './mail-servers.js';

/** The folder the baselines move mail to. */
const DONE = 'Done';

/** A plain IMAP client draining the same backlog, without PIA. */
export interface RawDrainResult {
  mails: number;
  deliverMs: number;
  /** From connecting to the end of the last command (the logout excluded). */
  ms: number;
  /** Sources fetched, their bytes, and what the mailbox holds afterwards. */
  fetched: number;
  bytes: number;
  inboxLeft: number;
  filed: number;
}

/**
 * How the baseline reads and files mail:
 * - `batch`: the least IMAP allows: one FETCH of every source, one STORE of \Seen and one MOVE for them all;
 * - `serial`: PIA's sequence of commands without PIA's work: SEARCH, then per message a FETCH of its source, a
 *   STORE of \Seen and a MOVE, each waiting for the last.
 */
export type RawMode = 'batch' | 'serial';

/** Fills `account` with `count` mails like the drain phase's, then times a plain imapflow client draining them. */
export async function runRawDrain(opts: { dovecot: TestDovecot; account: string; count: number; mode: RawMode; lmtpConcurrency: number }): Promise<RawDrainResult> {
  const mails = benchMails(runId(), 'm2', opts.count);
  const deliverMs = await deliverAll(opts.dovecot, opts.account, mails, opts.lmtpConcurrency);
  const t0 = performance.now();
  const client = await imapClient(opts.dovecot, opts.account);
  let fetched = 0;
  let bytes = 0;
  try {
    try {
      await client.mailboxCreate(DONE);
    } catch {
      // it exists already
    }
    const lock = await client.getMailboxLock('INBOX');
    try {
      if (opts.mode === 'batch') {
        for await (const m of client.fetch('1:*', { uid: true, source: true })) {
          fetched++;
          bytes += m.source?.length ?? 0;
        }
        await client.messageFlagsAdd('1:*', ['\\Seen']);
        await client.messageMove('1:*', DONE);
      } else {
        const uids = ((await client.search({ all: true }, { uid: true })) || []) as number[];
        for (const uid of uids) {
          const m = await client.fetchOne(String(uid), { source: true }, { uid: true });
          if (!m || !m.source) continue;
          fetched++;
          bytes += m.source.length;
          await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
          await client.messageMove(String(uid), DONE, { uid: true });
        }
      }
    } finally {
      lock.release();
    }
    const ms = performance.now() - t0;
    return { mails: opts.count, deliverMs, ms, fetched, bytes, inboxLeft: await countMessages(client, 'INBOX'), filed: await countMessages(client, DONE) };
  } finally {
    await client.logout().catch(() => client.close());
  }
}
