import { assertNever } from '../common/errors.js';
import type { HubMessage } from '../protocol/messages.js';
import type { TaskManager } from './tasks/task-manager.js';

type Of<K extends HubMessage['type']> = Extract<HubMessage, { type: K }>;

/** Where each kind of message from the hub goes on a worker. */
export interface HubMessageHandlers {
  tasks: Pick<TaskManager, 'accept' | 'cancel' | 'acked' | 'recorded' | 'approvalAnswered'>;
  power: { handle(message: Of<'power.wol' | 'power.command'>): void };
  mail: { handle(message: Of<'mail.sent' | 'mail.answer'>): void };
}

/**
 * Routes one message from the hub: the worker's one dispatch over the hub's messages. It is exhaustive, so a new
 * message type that nobody handles fails the build.
 */
export function routeHubMessage(handlers: HubMessageHandlers, msg: HubMessage): void {
  switch (msg.type) {
    case 'welcome':
      return; // taken by the link before it counts as up
    case 'task.assign':
      return handlers.tasks.accept(msg.task);
    case 'task.cancel':
      return handlers.tasks.cancel(msg.taskId, msg.by);
    case 'output.ack':
      for (const a of msg.acks) handlers.tasks.acked(a.taskId, a.seq);
      return;
    case 'task.recorded':
      return handlers.tasks.recorded(msg.taskId);
    case 'approval.answer':
      return handlers.tasks.approvalAnswered(msg);
    case 'power.wol':
    case 'power.command':
      return handlers.power.handle(msg);
    case 'mail.sent':
    case 'mail.answer':
      return handlers.mail.handle(msg);
    default:
      return assertNever(msg);
  }
}
