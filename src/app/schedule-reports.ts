import type { ChatAnnouncer } from '../bot/core.js';
import { toPlainText } from '../present/markup.js';
import type { ChatPort } from '../bot/port.js';
import { resultMessage, taskResult } from '../present/views.js';
import type { Logger } from '../common/logger.js';
import type { EventBus } from '../hub/events.js';
import type { ScheduleReport } from '../hub/schedules/fire.js';
import type { MailGateway } from '../mail/gateway.js';

/**
 * Delivers a schedule's results where it asked: into a chat channel through the chat core (a thread that follows
 * the tasks, as for a command typed there), or by mail: one mail when it fires, one per task when it ends.
 */
export function createScheduleReports(deps: {
  ports: () => ReadonlyMap<string, ChatPort>;
  chat: ChatAnnouncer;
  mail: Pick<MailGateway, 'outbox' | 'addresses'> | undefined;
  bus: Pick<EventBus, 'on'>;
  log: Logger;
}): { deliver(r: ScheduleReport): Promise<void>; close(): void } {
  /** Tasks a schedule started whose results go by mail: task id -> address and schedule name. */
  const byMail = new Map<string, { to: string; schedule: string }>();

  /** Sends from the machine's own address (as its task results do), or from `schedules` at the hub's domain. */
  function send(to: string, machine: string | undefined, subject: string, text: string): void {
    if (!deps.mail) {
      deps.log.warn({ to }, 'schedule report by mail, but mail is off on this hub');
      return;
    }
    deps.mail.outbox.enqueue({ kind: 'answer', from: deps.mail.addresses.addressOf(machine ?? 'schedules'), to: [to], subject, references: [], text });
  }

  const off = deps.bus.on('task.finished', ({ task }) => {
    const m = byMail.get(task.id);
    if (!m) return;
    byMail.delete(task.id);
    const msg = taskResult(task, '');
    send(m.to, task.machine, `[pia] ${m.schedule}: ${task.machine} ${task.state.replace('_', ' ')}`, `${toPlainText(msg.text)}\n\nFull log: pia logs ${task.id}\n`);
  });

  return {
    async deliver(r) {
      const [kind, ...rest] = r.report.split(':');
      const where = rest.join(':');
      if (kind === 'mail') {
        const msg = resultMessage(r.result);
        const first = r.result.kind === 'tasks_started' ? r.result.tasks[0]?.machine : undefined;
        send(where, first, `[pia] schedule ${r.schedule.name}`, `${toPlainText(r.heading)}\n\n${toPlainText(msg.text)}${msg.code ? `\n\n${msg.code}` : ''}\n`);
        if (r.result.kind === 'tasks_started') for (const t of r.result.tasks) byMail.set(t.id, { to: where, schedule: r.schedule.name });
        return;
      }
      const port = deps.ports().get(kind!);
      if (!port) {
        deps.log.warn({ schedule: r.schedule.name, report: r.report }, `schedule report for ${kind}, which is not connected to this hub`);
        return;
      }
      await deps.chat.announce(port, { channel: where }, r.heading, r.result);
    },
    close: off,
  };
}
