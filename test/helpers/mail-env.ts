import { startDovecot, type TestDovecot } from './dovecot.js';
import { startSmtpSink, type TestSmtp } from './smtp-sink.js';

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
