import { assertNever } from '../../common/errors.js';
import type { Facts } from '../../protocol/facts.js';
import type { WorkerMessage } from '../../protocol/messages.js';
import type { OutputFrame } from '../../protocol/output-frame.js';
import type { TaskOutcome } from '../../protocol/tasks.js';
import type { Link } from './link.js';

type Of<K extends WorkerMessage['type']> = Extract<WorkerMessage, { type: K }>;

/** What a refused message is counted as: a JSON message's type, or `task.output` for a binary output frame. */
export type RefusedType = WorkerMessage['type'] | 'task.output';

/** Where each kind of message from a linked worker goes. Each side declares what it handles. */
export interface WorkerMessageHandlers {
  facts(link: Link, facts: Facts): void;
  tasks: {
    started(link: Link, message: Of<'task.started'>): void;
    /** A chunk of output (a binary frame, decoded: see output-frame.ts). */
    output(link: Link, chunk: OutputFrame): void;
    finished(link: Link, outcome: TaskOutcome): void;
  };
  power: {
    /** A worker's answer to a power request. */
    answered(machineId: number, result: Of<'power.result'>): void;
  };
  /** Agents waiting for a person: requests, withdrawals, and answers the agent got. */
  approvals: {
    requested(link: Link, message: Of<'approval.requested'>): void;
    withdrawn(link: Link, message: Of<'approval.withdrawn'>): void;
    applied(link: Link, message: Of<'approval.applied'>): void;
  };
  /** Machine-to-machine mail (the mail gateway, or a refusal when mail is off). */
  machineMail: {
    send(link: Link, request: Of<'mail.send'>): void;
    watch(link: Link, messageIds: string[]): void;
  };
}

/**
 * Routes one message from a linked worker: the hub's one dispatch over the worker's messages. It is exhaustive, so
 * a new message type that nobody handles fails the build. Returns a reason when the message breaks the protocol
 * (the link is then closed with it).
 */
export function routeWorkerMessage(handlers: WorkerMessageHandlers, link: Link, msg: WorkerMessage): string | undefined {
  switch (msg.type) {
    case 'hello':
      return 'duplicate hello on a linked connection';
    case 'heartbeat':
      return undefined;
    case 'facts':
      handlers.facts(link, msg.facts);
      return undefined;
    case 'task.started':
      handlers.tasks.started(link, msg);
      return undefined;
    case 'task.finished':
      handlers.tasks.finished(link, msg.outcome);
      return undefined;
    case 'power.result':
      handlers.power.answered(link.machineId, msg);
      return undefined;
    case 'mail.send':
      handlers.machineMail.send(link, msg);
      return undefined;
    case 'mail.watch':
      handlers.machineMail.watch(link, msg.messageIds);
      return undefined;
    case 'approval.requested':
      handlers.approvals.requested(link, msg);
      return undefined;
    case 'approval.withdrawn':
      handlers.approvals.withdrawn(link, msg);
      return undefined;
    case 'approval.applied':
      handlers.approvals.applied(link, msg);
      return undefined;
    default:
      return assertNever(msg);
  }
}
