import { randomBytes } from 'node:crypto';
import { stampAuth } from '../../test/helpers/mail-env.js';

/** The operator who mails the fleet (the hub gets PIA_OPERATORS=email:<this>). */
export const SENDER = 'ada@example.test';
/** The fleet's address: machine `m` is `pia+m@example.test`. */
export const FLEET_ADDRESS = 'pia@example.test';

/** One mail of a run: its token (in the subject, so in the task's prompt), Message-ID and raw text. */
export interface BenchMail {
  token: string;
  messageId: string;
  raw: string;
}

/** A run id: a batch's tokens are `<run>-<n>`, so nothing of another run or batch can be mistaken for it. */
export function runId(): string {
  return `mb${randomBytes(4).toString('hex')}`;
}

/** The token in a task's prompt or a mail's subject, if there is one. */
export function tokenIn(text: string | null | undefined): string | undefined {
  return /\bmb[0-9a-f]{8}-\d+\b/.exec(text ?? '')?.[0];
}

/**
 * `count` mails from the operator to machine `machine`, numbered from 1: a subject with the token (the task's
 * prompt), `lines=0` as the text (the fake agent then prints only its prompt and exits at once), with the fleet
 * server's DMARC pass on top as a real receiving server would write it.
 */
export function benchMails(run: string, machine: string, count: number, first = 1): BenchMail[] {
  const [local, domain] = FLEET_ADDRESS.split('@') as [string, string];
  return Array.from({ length: count }, (_, i) => {
    const token = `${run}-${String(first + i).padStart(4, '0')}`;
    const messageId = `<${token}@bench.example.test>`;
    const raw = stampAuth([
      `From: Ada <${SENDER}>`,
      `To: ${local}+${machine}@${domain}`,
      `Subject: bench ${token}`,
      `Message-ID: ${messageId}`,
      `Date: ${new Date().toUTCString()}`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'lines=0',
      '',
    ].join('\r\n'));
    return { token, messageId, raw };
  });
}
