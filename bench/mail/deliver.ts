import { mapLimit } from '../../src/common/concurrency.js';
import type { TestDovecot } from '../../test/helpers/dovecot.js';
import type { BenchMail } from './bench-mail.js';

/**
 * Delivers every mail into one account over LMTP, `concurrency` sessions at a time (each its own connection, as a
 * mail server hands mail over). Resolves with the time it took once dovecot has accepted them all.
 */
export async function deliverAll(dovecot: TestDovecot, account: string, mails: readonly BenchMail[], concurrency: number): Promise<number> {
  const t0 = performance.now();
  await mapLimit(mails, concurrency, (m) => dovecot.deliver(account, m.raw));
  return performance.now() - t0;
}

/** Delivers one mail over LMTP; resolves with the moment dovecot accepted it (performance.now()). */
export async function deliverOne(dovecot: TestDovecot, account: string, mail: BenchMail): Promise<number> {
  await dovecot.deliver(account, mail.raw);
  return performance.now();
}
