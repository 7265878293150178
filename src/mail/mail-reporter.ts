import type { Logger } from '../common/logger.js';
import { toPlainText } from '../present/markup.js';
import { taskResult } from '../present/views.js';
import type { EventBus } from '../hub/events.js';
import type { Task } from '../hub/tasks/task.js';
import type { MailStore, TaskOrigin } from './mail-store.js';
import type { MailOutbox } from './smtp-outbox.js';

/** The last lines of a log, for a mail body (the whole log is attached). */
function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

/** The mail reporter: results and digests of tasks that came by mail. */
export interface MailReporter {
  /** Sends the progress digests that are due now (also runs every minute). */
  sendDigests(): void;
  close(): void;
}

/**
 * Answers tasks that came by mail, in their mail thread: the result (state, duration, what the agent did, the last
 * lines) with the full log attached; and for long runs at most one digest every `digestMinutes`, never a mail per
 * line. Each mail it sends is linked to the task, so a reply to it continues the task.
 */
export function createMailReporter(deps: {
  store: MailStore;
  bus: Pick<EventBus, 'on'>;
  outbox: Pick<MailOutbox, 'enqueue'>;
  log: Logger;
  digestMinutes: number;
  getTask: (id: string) => Task | undefined;
  /** A task's stdout and stderr. */
  logText: (taskId: string) => string;
}): MailReporter {
  const { store, outbox } = deps;
  const db = store.db;
  const log = deps.logText;

  const threadOf = (o: TaskOrigin) => ({ from: o.from, to: o.to, subject: o.subject, ...(o.inReplyTo ? { inReplyTo: o.inReplyTo } : {}), references: o.references });

  const off = deps.bus.on('task.finished', ({ task }) => {
    const o = store.originOf(task.id);
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
      store.linkMessage(id, task.id);
    })();
  });

  function sendDigests(): void {
    const cutoff = new Date(Date.now() - deps.digestMinutes * 60_000).toISOString();
    for (const o of store.dueForDigest(cutoff)) {
      const task = deps.getTask(o.taskId);
      if (!task) continue;
      db.transaction(() => {
        const id = outbox.enqueue({
          kind: 'digest',
          ...threadOf(o),
          text: `Task ${task.id} on ${task.machine} is still running (since ${task.startedAt}). Latest output:\n\n${lastLines(log(task.id), 30)}\n`,
          taskId: task.id,
        });
        store.linkMessage(id, task.id);
        store.digested(task.id, new Date().toISOString());
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
