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
