import { randomUUID } from 'node:crypto';
import { PiaError } from '../../common/errors.js';
import type { MailAnswer } from '../../protocol/mail.js';
import type { HubMessage, WorkerMessage } from '../../protocol/messages.js';

/** How long the hub has to answer a `mail.send` before the agent is told to try again. */
const SEND_TIMEOUT_MS = 30_000;

/** The answer to a relay mail, as the waiting agent gets it. */
export type Answer = Omit<MailAnswer, 'type' | 'messageId'>;
/** A relay mail the hub queued; `stopWaiting` drops the wait for its answer (the agent went away). */
export interface Sent {
  messageId: string;
  address: string;
  stopWaiting: () => void;
}

export interface MailRequests {
  /**
   * Asks the hub to mail `to` on behalf of the task; resolves with the mail's Message-ID. With `onAnswer`, the wait
   * for the answer starts in the same moment the hub's confirmation is read, so no answer can slip past it.
   */
  send(req: { taskId: string; to: string; subject?: string | undefined; text: string }, onAnswer?: (a: Answer) => void): Promise<Sent>;
  /** The hub's answer to a send, or the answer mail a send waits for. */
  handle(msg: Extract<HubMessage, { type: "mail.sent" | "mail.answer" }>): void;
  /** The link is up (again): the hub is told which answers are still awaited. */
  onLinkUp(): void;
  /** Sends in flight are failed (the hub may never answer them); waits stay. */
  onLinkDown(): void;
}

/**
 * The worker's side of machine-to-machine mail: asks the hub to send an agent's relay mail, and hands the answer
 * to whoever waits for it. Waits outlive a reconnect: they are announced to the hub again each time the link is up.
 */
export function createMailRequests(deps: { send: (m: WorkerMessage) => boolean; linked: () => boolean }): MailRequests {
  const pending = new Map<string, { resolve: (v: Sent) => void; reject: (e: Error) => void; timer: NodeJS.Timeout; onAnswer: ((a: Answer) => void) | undefined }>();
  const waiting = new Map<string, Set<(a: Answer) => void>>();

  function settle(requestId: string) {
    const p = pending.get(requestId);
    if (p) {
      clearTimeout(p.timer);
      pending.delete(requestId);
    }
    return p;
  }

  /** Calls `onAnswer` once when the answer to this relay mail comes back; returns a function that stops waiting. */
  function wait(messageId: string, onAnswer: (a: Answer) => void): () => void {
    let set = waiting.get(messageId);
    if (!set) waiting.set(messageId, (set = new Set()));
    set.add(onAnswer);
    return () => {
      set.delete(onAnswer);
      if (set.size === 0) waiting.delete(messageId);
    };
  }

  return {
    /**
     * Asks the hub to mail `to` on behalf of the task; resolves with the mail's Message-ID. With `onAnswer`, the wait
     * for the answer starts in the same moment the hub's confirmation is read, so no answer can slip past it.
     */
    send(req: { taskId: string; to: string; subject?: string | undefined; text: string }, onAnswer?: (a: Answer) => void): Promise<Sent> {
      if (!deps.linked()) return Promise.reject(new PiaError('hub_unreachable', 'The worker is not linked to its hub right now; nothing was sent. Try again in a minute.'));
      const requestId = randomUUID();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => settle(requestId)?.reject(new PiaError('hub_timeout', 'The hub did not answer within 30 s; the mail may or may not be on its way.')), SEND_TIMEOUT_MS);
        pending.set(requestId, { resolve, reject, timer, onAnswer });
        if (!deps.send({ type: 'mail.send', requestId, taskId: req.taskId, to: req.to, ...(req.subject ? { subject: req.subject } : {}), text: req.text, wait: onAnswer !== undefined })) {
          settle(requestId)?.reject(new PiaError('hub_unreachable', 'The link to the hub dropped; nothing was sent. Try again in a minute.'));
        }
      });
    },

    /** The hub's answer to a send, or the answer mail a send waits for. */
    handle(msg: Extract<HubMessage, { type: 'mail.sent' | 'mail.answer' }>): void {
      if (msg.type === 'mail.sent') {
        const p = settle(msg.requestId);
        if (p && msg.ok && msg.messageId) {
          const stopWaiting = p.onAnswer ? wait(msg.messageId, p.onAnswer) : () => undefined;
          p.resolve({ messageId: msg.messageId, address: msg.address ?? '', stopWaiting });
        }
        else p?.reject(new PiaError('mail_refused', msg.error ?? 'The hub refused the mail.'));
        return;
      }
      const set = waiting.get(msg.messageId);
      waiting.delete(msg.messageId);
      const { type: _type, messageId: _id, ...answer } = msg;
      for (const f of set ?? []) f(answer);
    },

    /** The link is up (again): the hub is told which answers are still awaited. */
    onLinkUp(): void {
      const ids = [...waiting.keys()];
      for (let i = 0; i < ids.length; i += 1000) deps.send({ type: 'mail.watch', messageIds: ids.slice(i, i + 1000) });
    },

    /** Sends in flight are failed (the hub may never answer them); waits stay. */
    onLinkDown(): void {
      for (const id of [...pending.keys()]) settle(id)?.reject(new PiaError('hub_unreachable', 'The link to the hub dropped before it answered; the mail may or may not be on its way.'));
    },
  };
}

