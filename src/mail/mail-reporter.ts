import type { Logger } from '../common/logger.js';
import { toPlainText } from '../bot/markup.js';
import { taskResult } from '../bot/reporter/views.js';
import type { Db } from '../hub/db/database.js';
import type { EventBus } from '../hub/events.js';
import type { Task } from '../hub/tasks/task.js';
import { readOutput } from '../hub/tasks/task-store.js';
import type { MailOutbox } from './smtp-outbox.js';

interface OriginRow {
  task_id: string;
  from_addr: string;
  reply_to: string;
  subject: string;
  in_reply_to: string;
  refs: string;
  last_digest_at: string | null;
}

/** The last lines of a log, for a mail body (the whole log is attached). */
function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

/**
 * Answers tasks that came by mail, in their mail thread: the result (state, duration, what the agent did, the last
 * lines) with the full log attached; and for long runs at most one digest every `digestMinutes`, never a mail per
 * line. Each mail it sends is linked to the task, so a reply to it continues the task.
 */
export function createMailReporter(deps: { db: Db; bus: EventBus; outbox: MailOutbox; log: Logger; digestMinutes: number; getTask: (id: string) => Task | undefined }) {
  const { db, outbox } = deps;
  const originOf = db.prepare<[string], OriginRow>('SELECT * FROM mail_task_origins WHERE task_id = ?');
  const running = db.prepare<[string, string], OriginRow>(`SELECT o.* FROM mail_task_origins o JOIN tasks t ON t.id = o.task_id
      WHERE t.state = 'running' AND t.started_at <= ? AND (o.last_digest_at IS NULL OR o.last_digest_at <= ?)`);
  const digested = db.prepare('UPDATE mail_task_origins SET last_digest_at = ? WHERE task_id = ?');
  const link = db.prepare('INSERT OR IGNORE INTO mail_task_messages (message_id, task_id) VALUES (?, ?)');
  const log = (taskId: string) => readOutput(db, taskId, 1, 1_000_000).filter((c) => c.stream !== 'event').map((c) => c.data).join('');

  const threadOf = (o: OriginRow) => ({ from: o.from_addr, to: JSON.parse(o.reply_to) as string[], subject: o.subject, ...(o.in_reply_to ? { inReplyTo: o.in_reply_to } : {}), references: JSON.parse(o.refs) as string[] });

  const off = deps.bus.on('task.finished', ({ task }) => {
    const o = originOf.get(task.id);
    if (!o) return;
    const full = log(task.id);
    const msg = taskResult(task, lastLines(full, 20));
    db.transaction(() => {
      const id = outbox.enqueue({
        kind: 'result',
        ...threadOf(o),
        text: `${toPlainText(msg.text)}\n${msg.code ? `\nLast lines:\n${msg.code}\n` : ''}\nThe full log is attached.\n`,
        attachment: { filename: `pia-${task.machine}-${task.id}.log`, content: full },
        taskId: task.id,
      });
      link.run(id, task.id);
    })();
  });

  function sendDigests(): void {
    const cutoff = new Date(Date.now() - deps.digestMinutes * 60_000).toISOString();
    for (const o of running.all(cutoff, cutoff)) {
      const task = deps.getTask(o.task_id);
      if (!task) continue;
      db.transaction(() => {
        const id = outbox.enqueue({
          kind: 'digest',
          ...threadOf(o),
          text: `Task ${task.id} on ${task.machine} is still running (since ${task.startedAt}). Latest output:\n\n${lastLines(log(task.id), 30)}\n`,
          taskId: task.id,
        });
        link.run(id, task.id);
        digested.run(new Date().toISOString(), task.id);
      })();
    }
  }
  const timer = setInterval(sendDigests, 60_000);
  timer.unref();

  return {
    sendDigests,
    close(): void {
      off();
      clearInterval(timer);
    },
  };
}
