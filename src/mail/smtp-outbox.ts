import { randomBytes } from 'node:crypto';
import { fullJitterDelay } from '../common/backoff.js';
import { errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { Db } from '../hub/db/database.js';

/** A mail PIA sends. */
export interface OutgoingMail {
  kind: 'ack' | 'result' | 'digest' | 'answer' | 'refusal' | 'relay' | 'approval';
  from: string;
  to: string[];
  subject: string;
  inReplyTo?: string;
  references: string[];
  text: string;
  attachment?: { filename: string; content: string };
  taskId?: string;
}

/** A mail ready for the wire, with its Message-ID. */
export interface WireMail extends OutgoingMail {
  messageId: string;
}

/** Sends one mail; rejects with `permanent: true` when retrying cannot help (a 5xx answer). */
export type SendMail = (mail: WireMail) => Promise<void>;

interface Row {
  id: number;
  kind: OutgoingMail['kind'];
  message_id: string;
  from_addr: string;
  to_addrs: string;
  subject: string;
  in_reply_to: string | null;
  refs: string;
  body: string;
  attachment_name: string | null;
  attachment: string | null;
  task_id: string | null;
  attempts: number;
}

/** A new Message-ID on PIA's own domain part. */
export function newMessageId(domain: string): string {
  return `<${Date.now().toString(36)}.${randomBytes(8).toString('hex')}@${domain}>`;
}

/**
 * The outbound queue: a mail is written to SQLite first (in the same transaction as whatever caused it), then sent,
 * and retried with backoff until the server takes it, so nothing is lost across a restart or an SMTP outage.
 */
export function createMailOutbox(deps: { db: Db; send: SendMail; log: Logger; domain: string; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const insert = deps.db.prepare(`INSERT INTO mail_outbox (kind, message_id, from_addr, to_addrs, subject, in_reply_to, refs, body, attachment_name,
      attachment, task_id, next_attempt_at, created_at) VALUES (@kind, @messageId, @from, @to, @subject, @inReplyTo, @refs, @body, @attachmentName,
      @attachment, @taskId, @at, @at)`);
  const due = deps.db.prepare<[string], Row>("SELECT * FROM mail_outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT 50");
  const sent = deps.db.prepare("UPDATE mail_outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1 WHERE id = ?");
  const retry = deps.db.prepare('UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?');
  const failed = deps.db.prepare("UPDATE mail_outbox SET state = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?");
  let timer: NodeJS.Timeout | undefined;
  let draining: Promise<void> | undefined;
  let closed = false;

  async function drain(): Promise<void> {
    for (;;) {
      const rows = due.all(now().toISOString());
      if (rows.length === 0 || closed) return;
      for (const r of rows) {
        const mail: WireMail = {
          kind: r.kind,
          messageId: r.message_id,
          from: r.from_addr,
          to: JSON.parse(r.to_addrs) as string[],
          subject: r.subject,
          ...(r.in_reply_to ? { inReplyTo: r.in_reply_to } : {}),
          references: JSON.parse(r.refs) as string[],
          text: r.body,
          ...(r.attachment_name && r.attachment !== null ? { attachment: { filename: r.attachment_name, content: r.attachment } } : {}),
          ...(r.task_id ? { taskId: r.task_id } : {}),
        };
        try {
          await deps.send(mail);
          sent.run(now().toISOString(), r.id);
        } catch (err) {
          if ((err as { permanent?: boolean }).permanent) {
            deps.log.error({ to: mail.to, err: errorMessage(err) }, 'mail refused for good');
            failed.run(errorMessage(err), r.id);
          } else {
            const wait = 1000 + fullJitterDelay(r.attempts, { baseMs: 2000, capMs: 30 * 60_000 });
            deps.log.warn({ to: mail.to, err: errorMessage(err), retryInMs: wait }, 'mail not sent; will retry');
            retry.run(new Date(now().getTime() + wait).toISOString(), errorMessage(err), r.id);
          }
        }
      }
    }
  }

  function kick(): void {
    if (closed) return;
    draining ??= drain().finally(() => (draining = undefined));
  }

  return {
    /** Queues a mail (call inside the transaction that decided to send it); returns its Message-ID. */
    enqueue(mail: OutgoingMail): string {
      const messageId = newMessageId(deps.domain);
      insert.run({
        kind: mail.kind,
        messageId,
        from: mail.from,
        to: JSON.stringify(mail.to),
        subject: mail.subject,
        inReplyTo: mail.inReplyTo ?? null,
        refs: JSON.stringify(mail.references),
        body: mail.text,
        attachmentName: mail.attachment?.filename ?? null,
        attachment: mail.attachment?.content ?? null,
        taskId: mail.taskId ?? null,
        at: now().toISOString(),
      });
      setImmediate(kick);
      return messageId;
    },
    /** Sends what is due now (tests, and the periodic timer). */
    async flush(): Promise<void> {
      kick();
      await draining;
    },
    start(intervalMs = 2000): void {
      timer = setInterval(kick, intervalMs);
      timer.unref();
      kick();
    },
    async close(): Promise<void> {
      closed = true;
      clearInterval(timer);
      await draining;
    },
  };
}

export type MailOutbox = ReturnType<typeof createMailOutbox>;
