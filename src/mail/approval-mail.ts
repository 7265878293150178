import type { EventBus } from '../hub/events.js';
import type { ApprovalView } from '../protocol/api.js';
import type { MailStore } from './mail-store.js';
import type { MailOutbox } from './smtp-outbox.js';

/** A block of text indented, for a mail (the agent's own text: already inert, shown as it is). */
const indent = (text: string) => text.replace(/\n$/, '').replace(/^/gm, '    ');

/** The words of an approval mail: what the agent waits for, and the one-line replies that answer it. */
export function approvalMailText(a: ApprovalView, timeoutMin: number): string {
  const deadline = `Nobody answering within ${timeoutMin} min denies it. Only a sender with the operator role can answer.\n`;
  if (a.kind === 'question') {
    const lines = (a.questions ?? []).flatMap((q, qi) => [
      `${(a.questions?.length ?? 0) > 1 ? `${qi + 1}) ` : ''}${q.question}`,
      ...q.options.map((o, i) => `    ${i + 1}. ${o.label}${o.description ? `: ${o.description}` : ''}`),
    ]);
    return `The agent on ${a.machine} asks you (${a.id}):\n\n${lines.join('\n')}\n\nReply with one line:\n    answer ${a.id} <number, or your own words>\n    deny ${a.id}            to skip it\n\n${deadline}`;
  }
  if (a.kind === 'plan') {
    return `The agent on ${a.machine} has a plan and waits for your approval before it starts (${a.id}):\n\n${indent(a.detail ?? a.summary)}\n\nReply with one line:\n    allow ${a.id}                      approve the plan\n    deny ${a.id} <what to change>      keep planning\n\n${deadline}`;
  }
  return (
    `The agent on ${a.machine} waits for you before it uses ${a.tool} (${a.id}):\n\n${indent(a.summary)}\n${a.detail ? `\n${indent(a.detail)}\n` : ''}\n` +
    `Reply with one line:\n    allow ${a.id}            allow it this once\n    allow ${a.id} task       allow it for the rest of this task\n` +
    (a.canAlways ? `    allow ${a.id} always     always on ${a.machine} (admins)\n` : '') +
    `    deny ${a.id} <reason>    refuse it; the agent reads your reason\n\n${deadline}`
  );
}

/**
 * Approvals of tasks that came by mail go to the person in the task's mail thread (from the machine's address, as
 * its other answers do), and their replies answer them (see approvalReply). A mail cannot be edited afterwards: the
 * task's result mail says what the agent was refused.
 */
export function createApprovalMailer(deps: { store: MailStore; bus: Pick<EventBus, 'on'>; outbox: Pick<MailOutbox, 'enqueue'>; timeoutMin: number }): { close(): void } {
  const { store } = deps;
  const off = deps.bus.on('approval.requested', ({ approval }) => {
    const o = store.originOf(approval.taskId);
    if (!o) return;
    store.db.transaction(() => {
      const id = deps.outbox.enqueue({
        kind: 'approval',
        from: o.from,
        to: o.to,
        subject: o.subject,
        ...(o.inReplyTo ? { inReplyTo: o.inReplyTo } : {}),
        references: o.references,
        text: approvalMailText(approval, deps.timeoutMin),
        taskId: approval.taskId,
      });
      store.linkMessage(id, approval.taskId);
    })();
  });
  return { close: off };
}
