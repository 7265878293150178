import type { ApprovalView } from '../../protocol/api.js';
import type { OutMessage, PostedMessage, ThreadRef } from '../port.js';
import { approvalMessage, settledMessage } from '../../present/approval-views.js';

/** A thread that watches a task, as the approvals see it. */
export interface ApprovalTarget {
  outbox: { post(thread: ThreadRef, m: OutMessage): Promise<PostedMessage>; update(target: PostedMessage, m: OutMessage): Promise<void> };
  thread: ThreadRef;
  platform: string;
  /** Who asked for the task: pinged once per approval, on their own platform. */
  requester: string;
}

/** The copies of each approval's message, one per thread that shows it. */
export interface ApprovalThreads {
  /** Shows an approval in a thread (once per thread, however often asked). */
  show(target: ApprovalTarget, approval: ApprovalView): void;
  /** Edits every copy to say how it was settled, by whom and when; the buttons go. */
  settled(approval: ApprovalView): void;
}

/** Creates the copies' bookkeeping; `settle` turns a failed send into undefined (logged by the reporter). */
export function createApprovalThreads(settle: <T>(p: Promise<T>) => Promise<T | undefined>): ApprovalThreads {
  const copies = new Map<string, Array<{ where: string; target: ApprovalTarget; message: Promise<PostedMessage | undefined> }>>();
  const pinged = new Set<string>();

  return {
    show(target, approval) {
      const where = `${target.platform}\u0000${target.thread.channel}\u0000${target.thread.thread ?? ''}`;
      const list = copies.get(approval.id) ?? [];
      if (list.some((c) => c.where === where)) return;
      // One ping per approval, for the person who asked, in the first thread on their own platform; nobody else.
      const ping = !pinged.has(approval.id) && target.requester.startsWith(`${target.platform}:`);
      if (ping) pinged.add(approval.id);
      list.push({ where, target, message: settle(target.outbox.post(target.thread, approvalMessage(approval, ping ? { mention: target.requester } : {}))) });
      copies.set(approval.id, list);
    },
    settled(approval) {
      const list = copies.get(approval.id) ?? [];
      copies.delete(approval.id);
      pinged.delete(approval.id);
      for (const c of list) void c.message.then((msg) => msg && settle(c.target.outbox.update(msg, settledMessage(approval))));
    },
  };
}
