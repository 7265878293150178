import { DISCORD_LIMITS, MAX_CONTENT, renderContent } from '../../src/bot/discord/render-message.js';
import type { OutMessage } from '../../src/bot/port.js';
import { fixedWindow, perKey } from './limiters.js';
import type { CallKind, PlatformRules } from './limited-port.js';

/** Discord's published numbers, as the benchmark enforces them (the same as the test suite's fake Discord). */
export const DISCORD_PUBLISHED = {
  /** Messages sent to a channel (a thread is a channel): 5 per 5 s; edits have a bucket of their own. */
  perWindow: 5,
  windowMs: 5000,
  maxContent: MAX_CONTENT,
  /** Upload limit of a server without boosts; PIA's port keeps a log's end when it is longer. */
  maxFileBytes: 10 * 1024 * 1024,
} as const;

/** Why Discord would refuse this message as PIA's Discord adapter renders it, or undefined. */
function discordProblem(message: OutMessage): string | undefined {
  const content = renderContent(message);
  return [...content].length > DISCORD_PUBLISHED.maxContent ? 'content over 2,000 characters (50035)' : undefined;
}

/** Discord's rules for one bot: per-channel message and edit buckets, 2,000-character content, 10 MiB files. */
export function discordRules(): PlatformRules {
  const d = DISCORD_PUBLISHED;
  const messages = perKey(() => fixedWindow(d.perWindow, d.windowMs));
  const edits = perKey(() => fixedWindow(d.perWindow, d.windowMs));
  return {
    platform: 'discord',
    limits: DISCORD_LIMITS,
    admit(kind: CallKind, thread, t) {
      // PIA posts into the thread (its own channel); a file is a message with an attachment.
      const channel = thread.thread ?? thread.channel;
      return kind === 'update' ? edits(channel).take(t) : messages(channel).take(t);
    },
    problem: discordProblem,
    requests: () => 1,
    upload(content) {
      const bytes = Buffer.byteLength(content, 'utf8');
      return bytes > d.maxFileBytes ? { bytes: d.maxFileBytes, cut: true } : { bytes, cut: false };
    },
  };
}
