import type { ActionResult } from '../../hub/actions/result.js';
import type { Role } from '../../commands/roles.js';
import type { MailStore } from '../mail-store.js';
import type { OutgoingMail } from '../smtp-outbox.js';

/** Most refusals the hub sends in any 24 hours, to all senders together. */
export const REFUSALS_PER_DAY = 20;

/** The subject of every refusal: fixed, so no sender's text is ever mailed out again by PIA. */
export const REFUSAL_SUBJECT = 'PIA: mail not taken';

const DAY_MS = 86_400_000;

/** What a refusal says: how to get a role, or which role the mail needed (the action's own words, as plain text). */
export function refusalText(sender: string, role: Role | undefined, refused?: ActionResult): string {
  if (role === undefined) return `PIA does not take mail from ${sender}. Ask the fleet's admin to run: pia users add email:${sender} operator\n`;
  return `${refused?.kind === 'refused' ? refused.text.replace(/`/g, '') : `Your role (${role}) does not allow this.`}\n`;
}

/** The refusal policy (see {@link createRefusals}). */
export interface Refusals {
  /**
   * Queues a short refusal to `to` when the policy allows one now (call inside the transaction that records the
   * mail). Returns whether one was queued.
   */
  refuse(refusal: { from: string; to: string; text: string; inReplyTo?: string }): boolean;
}

/**
 * Refusals for authenticated senders who lack the role their mail needs. Unauthenticated mail never gets one (its
 * From may be anyone's, so a refusal would be mail to a stranger that someone else asked for). With `mode` silent,
 * nobody gets one; with `refuse`, a sender gets at most one a day and the hub at most {@link REFUSALS_PER_DAY}.
 */
export function createRefusals(deps: { store: MailStore; mode: 'refuse' | 'silent'; enqueue: (mail: OutgoingMail) => string; now?: () => Date }): Refusals {
  const now = deps.now ?? (() => new Date());
  const { store } = deps;

  return {
    /**
     * Queues a short refusal to `to` when the policy allows one now (call inside the transaction that records the
     * mail). Returns whether one was queued.
     */
    refuse(refusal: { from: string; to: string; text: string; inReplyTo?: string }): boolean {
      if (deps.mode !== 'refuse') return false;
      const at = now();
      const dayAgo = new Date(at.getTime() - DAY_MS).toISOString();
      store.forgetRefusalsBefore(dayAgo); // rows older than a day decide nothing: the table stays as small as the cap
      if (store.lastRefusalTo(refusal.to) !== undefined) return false;
      if (store.refusalsSince(dayAgo) >= REFUSALS_PER_DAY) return false;
      store.noteRefusal(refusal.to, at.toISOString());
      deps.enqueue({
        kind: 'refusal',
        from: refusal.from,
        to: [refusal.to],
        subject: REFUSAL_SUBJECT,
        ...(refusal.inReplyTo ? { inReplyTo: refusal.inReplyTo } : {}),
        references: [],
        text: refusal.text,
      });
      return true;
    },
  };
}
