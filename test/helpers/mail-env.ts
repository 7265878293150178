import { fromHeader, startDovecot, type TestDovecot } from './dovecot.js';
import { startSmtpSink, type TestSmtp } from './smtp-sink.js';

/**
 * The authserv-id of the fleet's receiving mail server in tests. Mail is delivered straight into dovecot over LMTP,
 * so the test plays that server: it writes the Authentication-Results on top ({@link stampAuth}) and the hub trusts
 * this id (PIA_MAIL_AUTHSERV_ID in both environments below).
 */
export const TEST_AUTHSERV_ID = 'mx.pia.test';

/**
 * Puts the receiving server's verdict on top of a raw message, as the fleet's MX would: by default DMARC pass for
 * the From domain (`result` replaces `dmarc=pass header.from=<domain>` when given).
 */
export function stampAuth(raw: string, result?: string): string {
  const from = fromHeader(raw);
  if (!from) throw new Error('stampAuth: the message has no From address');
  const domain = from.slice(from.lastIndexOf('@') + 1).toLowerCase();
  return `Authentication-Results: ${TEST_AUTHSERV_ID}; ${result ?? `dmarc=pass header.from=${domain}`}\r\n${raw}`;
}

/**
 * Hub variables that turn the mail gateway on without a mail server: IMAP and SMTP point at a closed loopback port,
 * so tests drive the handler and the reporter directly and read what would be sent from the outbox table.
 */
export function offlineMailEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PIA_MAIL_ADDRESS: 'pia@example.test',
    PIA_IMAP_HOST: '127.0.0.1',
    PIA_IMAP_PORT: '1',
    PIA_IMAP_USER: 'pia@example.test',
    PIA_IMAP_PASS: 'x',
    PIA_SMTP_HOST: '127.0.0.1',
    PIA_SMTP_PORT: '1',
    PIA_MAIL_AUTHSERV_ID: TEST_AUTHSERV_ID,
    PIA_OPERATORS: 'email:ada@example.test',
    ...extra,
  };
}

/**
 * Hub variables for the mail gateway against a real test dovecot (the fleet's mailbox pia@example.test, IDLE with a
 * 1 s poll as backstop) and an SMTP sink, with Ada as an operator.
 */
export function liveMailEnv(servers: { imapPort: number; smtpPort: number }, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PIA_MAIL_ADDRESS: 'pia@example.test',
    PIA_IMAP_HOST: '127.0.0.1',
    PIA_IMAP_PORT: String(servers.imapPort),
    PIA_IMAP_USER: 'pia@example.test',
    PIA_IMAP_PASS: 'secret',
    PIA_IMAP_TLS: '0',
    PIA_MAIL_POLL_S: '1',
    PIA_SMTP_HOST: '127.0.0.1',
    PIA_SMTP_PORT: String(servers.smtpPort),
    PIA_SMTP_TLS: 'none',
    PIA_MAIL_AUTHSERV_ID: TEST_AUTHSERV_ID,
    PIA_OPERATORS: 'email:ada@example.test',
    ...extra,
  };
}

/** A test dovecot and an SMTP sink that delivers into it: the mail servers a live mail gateway talks to. */
export interface MailServers {
  dovecot: TestDovecot;
  smtp: TestSmtp;
  /** Hub variables for these servers ({@link liveMailEnv}), with `extra` on top. */
  hubEnv(extra?: Record<string, string>): Record<string, string>;
  stop(): Promise<void>;
}

/** Starts dovecot and the SMTP sink forwarding into it (call only when haveDovecot()). */
export async function startMailServers(): Promise<MailServers> {
  const dovecot = await startDovecot();
  const smtp = await startSmtpSink({ forwardTo: { lmtpPort: dovecot.lmtpPort } });
  return {
    dovecot,
    smtp,
    hubEnv: (extra = {}) => liveMailEnv({ imapPort: dovecot.imapPort, smtpPort: smtp.port }, extra),
    async stop() {
      await smtp.close();
      await dovecot.stop();
    },
  };
}
