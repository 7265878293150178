import nodemailer from 'nodemailer';
import type { MailConfig } from './config.js';
import type { SendMail } from './smtp-outbox.js';

/**
 * Sends mail over SMTP with nodemailer. Every mail is threaded (In-Reply-To, References) and marked
 * `Auto-Submitted` (auto-replied, or auto-generated for a machine's mail to another), so other robots (and PIA itself, if CC'd) never answer it: no mail loops.
 */
export function createSmtpSender(smtp: MailConfig['smtp']): { send: SendMail; close(): void } {
  const transport = nodemailer.createTransport({
    // One connection reused for mail after mail: a new one per mail costs a greeting, TLS and a login each time
    // (1,000 acknowledgements took 106 s that way against a server that greets after 100 ms; pooled, 6 s).
    pool: true,
    host: smtp.host,
    port: smtp.port,
    secure: smtp.tls === 'tls',
    ignoreTLS: smtp.tls === 'none',
    requireTLS: smtp.tls === 'starttls',
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.pass ?? '' } } : {}),
    connectionTimeout: 15_000,
    socketTimeout: 60_000,
  });
  return {
    async send(mail) {
      try {
        await transport.sendMail({
          from: mail.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          messageId: mail.messageId,
          ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo } : {}),
          ...(mail.references.length ? { references: mail.references } : {}),
          // A relay is an agent's own new mail, not an answer: RFC 3834 calls that auto-generated.
          headers: { 'Auto-Submitted': mail.kind === 'relay' ? 'auto-generated' : 'auto-replied', 'X-PIA-Kind': mail.kind, ...(mail.taskId ? { 'X-PIA-Task': mail.taskId } : {}) },
          ...(mail.attachment ? { attachments: [{ filename: mail.attachment.filename, content: mail.attachment.content, contentType: 'text/plain; charset=utf-8' }] } : {}),
        });
      } catch (err) {
        const code = (err as { responseCode?: number }).responseCode;
        // 5xx: the server will never take this mail; 4xx and network errors are worth another try.
        throw Object.assign(err as Error, { permanent: code !== undefined && code >= 500 });
      }
    },
    close: () => transport.close(),
  };
}
