import type { Logger } from '../../common/logger.js';
import type { ApprovalAnswer, ApprovalRequested } from '../../protocol/approvals.js';
import type { WorkerMessage } from '../../protocol/messages.js';

/** What the worker's approvals need of its link. */
export interface ApprovalLink {
  send(message: WorkerMessage): boolean;
}

/**
 * The worker's side of approvals: the requests its agents wait on, sent to the hub (and sent again after every
 * reconnect, so a cut link or a hub restart loses none), and each answer applied at most once: an answer the hub
 * sends again, or one for a request the agent withdrew, changes nothing.
 */
export interface WorkerApprovals {
  /** An agent waits: the request goes to the hub; `apply` is called once with the answer. */
  ask(request: ApprovalRequested, apply: (answer: ApprovalAnswer) => void): void;
  /** The agent stopped waiting on one request (interrupted). */
  withdraw(taskId: string, requestId: string, reason: string): void;
  /** The task's agent is gone: nothing of it waits any more. */
  withdrawTask(taskId: string, reason: string): void;
  /** `approval.answer` from the hub. */
  answered(answer: ApprovalAnswer): void;
  /** The link is up again: every request still waiting is sent again (the hub drops what it has). */
  onLinkUp(): void;
  /** Requests waiting (all, or one task's). */
  pending(taskId?: string): number;
}

/** Creates the registry. */
export function createWorkerApprovals(deps: { link: ApprovalLink; log: Logger }): WorkerApprovals {
  const { link, log } = deps;
  const waiting = new Map<string, { request: ApprovalRequested; apply: (answer: ApprovalAnswer) => void }>();
  const key = (taskId: string, requestId: string) => `${taskId}\u0000${requestId}`;

  function withdraw(taskId: string, requestId: string, reason: string): void {
    if (!waiting.delete(key(taskId, requestId))) return;
    link.send({ type: 'approval.withdrawn', taskId, requestId, reason: reason.slice(0, 500) });
  }

  return {
    ask(request, apply) {
      waiting.set(key(request.taskId, request.requestId), { request, apply });
      link.send(request);
    },
    withdraw,
    withdrawTask(taskId, reason) {
      for (const { request } of [...waiting.values()]) if (request.taskId === taskId) withdraw(taskId, request.requestId, reason);
    },
    answered(answer) {
      const k = key(answer.taskId, answer.requestId);
      const entry = waiting.get(k);
      // Taken out before it is applied: whatever happens next, the agent never gets a second answer.
      waiting.delete(k);
      if (entry) {
        try {
          entry.apply(answer);
        } catch (err) {
          log.warn({ err, taskId: answer.taskId }, 'could not pass an approval answer to the agent');
        }
      }
      // Also for one already applied or withdrawn: the hub may stop sending it.
      link.send({ type: 'approval.applied', taskId: answer.taskId, requestId: answer.requestId });
    },
    onLinkUp() {
      for (const { request } of waiting.values()) link.send(request);
    },
    pending(taskId) {
      if (taskId === undefined) return waiting.size;
      let n = 0;
      for (const { request } of waiting.values()) if (request.taskId === taskId) n++;
      return n;
    },
  };
}
