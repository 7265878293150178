import { setTimeout as sleep } from 'node:timers/promises';
import type { TestDovecot } from '../../test/helpers/dovecot.js';
import { withTimeout } from '../fleet/with-timeout.js';
import { benchMails, runId } from './bench-mail.js';
import { deliverOne } from './deliver.js';
import { imapClient } from './mail-servers.js';

/** A plain IMAP client in IDLE: delivery to dovecot's EXISTS notification, the floor under any IDLE-driven intake. */
export interface RawIdleResult {
  samples: number;
  /** LMTP accepted -> `exists` event, per sample (ms). */
  toExistsMs: number[];
  /** Deliveries whose notification did not come within the time-out. */
  lost: number;
}

/**
 * Opens the inbox of `account` with imapflow, starts IDLE, and delivers `samples` mails one at a time `gapMs` apart;
 * each is timed from dovecot accepting it over LMTP to the client's `exists` event with the new count.
 */
export async function runRawIdle(opts: { dovecot: TestDovecot; account: string; samples: number; gapMs: number; waitMs: number }): Promise<RawIdleResult> {
  const client = await imapClient(opts.dovecot, opts.account);
  const toExistsMs: number[] = [];
  let lost = 0;
  try {
    let count = (await client.mailboxOpen('INBOX')).exists;
    let waiter: ((n: number) => void) | undefined;
    client.on('exists', (e: { count: number }) => {
      count = e.count;
      waiter?.(e.count);
    });
    void client.idle().catch(() => undefined);
    const mails = benchMails(runId(), 'raw', opts.samples);
    for (const mail of mails) {
      const target = count + 1;
      const seen = new Promise<number>((resolve) => {
        waiter = (n) => {
          if (n >= target) resolve(performance.now());
        };
      });
      const acceptedAt = await deliverOne(opts.dovecot, opts.account, mail);
      try {
        const at = await withTimeout(seen, opts.waitMs, 'no exists event');
        // dovecot may have announced the mail before the LMTP answer reached us: never a negative latency.
        toExistsMs.push(Math.max(0, at - acceptedAt));
      } catch {
        lost++;
      }
      waiter = undefined;
      await sleep(opts.gapMs);
    }
    return { samples: opts.samples, toExistsMs, lost };
  } finally {
    await client.logout().catch(() => client.close());
  }
}
