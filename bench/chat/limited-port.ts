import { PiaError } from '../../src/common/errors.js';
import { RateLimited, type ChatLimits, type ChatPort, type OutMessage, type PostedMessage, type ThreadRef } from '../../src/bot/port.js';

/** The three things a chat port does. */
export type CallKind = 'post' | 'update' | 'attach';

/** What became of the calls of one kind. */
export interface CallCounts {
  /** Accepted by the platform. */
  ok: number;
  /** Answered 429 (RateLimited). */
  limited: number;
  /** Refused for another reason (a message over a size limit, an unknown message). */
  refused: number;
}

/** A call the platform accepted, with when (performance.now()) and the first line of its text. */
export interface Accepted {
  kind: CallKind;
  at: number;
  text: string;
}

/** Everything a limited port saw. */
export interface PortStats {
  platform: string;
  calls: Record<CallKind, CallCounts>;
  /** HTTP requests the real adapter would have made, 429s included (a Slack file upload takes three). */
  requests: number;
  /** Accepted calls in order (only when recording: the naive baseline makes too many to keep). */
  accepted: Accepted[];
  lastAcceptedAt: number | null;
  /** Bytes of the attachments as the real port would upload them. */
  attachedBytes: number;
  /** True when an attachment was over the platform's file limit and its start was cut (as the real port does). */
  attachCut: boolean;
  /** Why calls were refused, by reason. */
  refusals: Record<string, number>;
}

/** A platform's published rules, as the stand-in enforces them. */
export interface PlatformRules {
  platform: string;
  /** The limits the real adapter declares to the reporter (the very object it exports). */
  limits: ChatLimits;
  /** 0 to accept a call of `kind` to `thread` now, else the Retry-After in ms of the 429. */
  admit(kind: CallKind, thread: ThreadRef, now: number): number;
  /** Why the platform would refuse this message as the real adapter renders it, or undefined. */
  problem(message: OutMessage): string | undefined;
  /** HTTP requests one call of `kind` takes. */
  requests(kind: CallKind): number;
  /** An attachment's size as the real port uploads it, and whether it had to be cut. */
  upload(content: string): { bytes: number; cut: boolean };
}

/**
 * A {@link ChatPort} that stands in for a platform in-process: every call meets the platform's rate limits
 * (past them it throws {@link RateLimited} with the platform's Retry-After) and size limits (a
 * {@link PiaError}), and is counted. Ids are made up; edits of unknown messages are refused like the real APIs do.
 */
export function createLimitedPort(rules: PlatformRules, opts: { record: boolean; now?: () => number }): { port: ChatPort; stats: PortStats } {
  const now = opts.now ?? (() => performance.now());
  const counts = (): CallCounts => ({ ok: 0, limited: 0, refused: 0 });
  const stats: PortStats = {
    platform: rules.platform,
    calls: { post: counts(), update: counts(), attach: counts() },
    requests: 0,
    accepted: [],
    lastAcceptedAt: null,
    attachedBytes: 0,
    attachCut: false,
    refusals: {},
  };
  const known = new Set<string>();
  let seq = 0;

  /** Meets the limits for one call; throws as the real port would when the platform says no. */
  function gate(kind: CallKind, thread: ThreadRef, message: OutMessage | undefined): number {
    const t = now();
    const wait = rules.admit(kind, thread, t);
    if (wait > 0) {
      stats.calls[kind].limited++;
      stats.requests++;
      throw new RateLimited(wait);
    }
    const problem = message && rules.problem(message);
    if (problem) refuse(kind, problem);
    return t;
  }

  function refuse(kind: CallKind, reason: string): never {
    stats.calls[kind].refused++;
    stats.requests++;
    stats.refusals[reason] = (stats.refusals[reason] ?? 0) + 1;
    throw new PiaError(rules.platform === 'discord' ? 'discord_refused' : 'slack_api_failed', `${rules.platform} refused the ${kind}: ${reason}`);
  }

  function accept(kind: CallKind, at: number, text: string): void {
    stats.calls[kind].ok++;
    stats.requests += rules.requests(kind);
    stats.lastAcceptedAt = at;
    if (opts.record) stats.accepted.push({ kind, at, text: text.split('\n', 1)[0] ?? '' });
  }

  const port: ChatPort = {
    platform: rules.platform,
    limits: rules.limits,
    async post(thread: ThreadRef, message: OutMessage): Promise<PostedMessage> {
      const at = gate('post', thread, message);
      const id = `${1_700_000_000 + ++seq}.000100`;
      known.add(id);
      accept('post', at, message.text);
      return { thread: thread.thread !== undefined ? thread : { channel: thread.channel, thread: id }, id };
    },
    async update(posted: PostedMessage, next: OutMessage): Promise<void> {
      if (!known.has(posted.id)) refuse('update', 'message_not_found');
      const at = gate('update', posted.thread, next);
      accept('update', at, next.text);
    },
    async attach(thread: ThreadRef, file): Promise<void> {
      const at = gate('attach', thread, undefined);
      const { bytes, cut } = rules.upload(file.content);
      stats.attachedBytes += bytes;
      stats.attachCut ||= cut;
      accept('attach', at, file.title);
    },
  };
  return { port, stats };
}
