import type { ThreadRef } from '../port.js';

/**
 * An interaction PIA acknowledged with "thinking…": its first answer edits that reply (`@original`) instead of
 * posting a new message, so the person sees their command answered in place.
 */
export interface DeferredReply {
  /** The interaction token: the key to `@original` while it lives. */
  token: string;
  /** Where the command was given: the channel, or the thread it was given in. */
  where: ThreadRef;
  /** A name for the thread the answer starts (the command line). */
  threadName: string;
  receivedAt: number;
}

/** Pending deferred replies by place, and the `@original` messages they became. */
export interface DeferredReplies {
  add(reply: DeferredReply): void;
  /**
   * Takes the reply a post to `where` should answer: `preferred` when it is still pending there, else the oldest
   * pending one there. A taken reply is no longer pending; {@link giveBack} returns one whose edit must be retried.
   */
  take(where: ThreadRef, preferred?: DeferredReply): DeferredReply | undefined;
  giveBack(reply: DeferredReply): void;
  /** Whether the reply is still waiting for its first answer. */
  isPending(reply: DeferredReply): boolean;
  /** Records that message `id` is the reply's `@original`, to edit it through the token while it lives. */
  became(id: string, reply: DeferredReply): void;
  /** The live token that can edit message `id`, if it is an `@original`. */
  tokenFor(id: string): string | undefined;
}

/**
 * Discord lets an interaction token edit its reply for 15 minutes. The margin keeps a request that is already on
 * its way from arriving just after that, which would fail with "Invalid Webhook Token".
 */
export const TOKEN_LIFETIME_MS = 15 * 60_000 - 30_000;

const samePlace = (a: ThreadRef, b: ThreadRef): boolean => a.channel === b.channel && (a.thread ?? '') === (b.thread ?? '');

/** Deferred replies kept for their token's lifetime, measured on `now`. */
export function createDeferredReplies(now: () => number): DeferredReplies {
  const pending: DeferredReply[] = [];
  const originals = new Map<string, DeferredReply>();
  const alive = (r: DeferredReply): boolean => now() - r.receivedAt < TOKEN_LIFETIME_MS;

  // Dropping dead entries on every use bounds both collections by the commands of the last 15 minutes.
  function prune(): void {
    for (let i = pending.length - 1; i >= 0; i--) if (!alive(pending[i]!)) pending.splice(i, 1);
    for (const [id, r] of originals) if (!alive(r)) originals.delete(id);
  }

  return {
    add(reply) {
      prune();
      pending.push(reply);
    },
    take(where, preferred) {
      prune();
      const i = preferred && samePlace(preferred.where, where) ? pending.indexOf(preferred) : pending.findIndex((r) => samePlace(r.where, where));
      return i === -1 ? undefined : pending.splice(i, 1)[0];
    },
    giveBack(reply) {
      if (alive(reply) && !pending.includes(reply)) pending.unshift(reply);
    },
    isPending(reply) {
      return alive(reply) && pending.includes(reply);
    },
    became(id, reply) {
      originals.set(id, reply);
    },
    tokenFor(id) {
      prune();
      return originals.get(id)?.token;
    },
  };
}
