import { renderMessage, sectionTextLimit } from '../../src/bot/slack/render-message.js';
import { slackLimits } from '../../src/bot/slack/slack-port.js';
import type { OutMessage } from '../../src/bot/port.js';
import { perKey, tokenBucket } from './limiters.js';
import type { CallKind, PlatformRules } from './limited-port.js';

/** Slack's published numbers, as the benchmark enforces them (the same as the test suite's fake Slack). */
export const SLACK_PUBLISHED = {
  /** chat.postMessage: about one message per second per channel, short bursts allowed. */
  postsPerSecond: 1,
  postBurst: 3,
  /** chat.update is Tier 3 (about 50 a minute), for the whole app. */
  updatesPerMinute: 50,
  updateBurst: 5,
  /** files.getUploadURLExternal and files.completeUploadExternal are Tier 4 (100+ a minute). */
  filesPerMinute: 100,
  filesBurst: 10,
  maxMessageChars: 40_000,
  maxBlocks: 50,
} as const;

/** Slack's 429 carries Retry-After in whole seconds. */
const wholeSeconds = (ms: number): number => (ms > 0 ? Math.ceil(ms / 1000) * 1000 : 0);

/** Why Slack would refuse this message as PIA's Slack adapter renders it (Block Kit), or undefined. */
function slackProblem(message: OutMessage): string | undefined {
  const { text, blocks } = renderMessage(message);
  if (text.length > SLACK_PUBLISHED.maxMessageChars) return 'msg_too_long';
  if (text === '' && blocks.length === 0) return 'no_text';
  if (blocks.length > SLACK_PUBLISHED.maxBlocks) return 'invalid_blocks (more than 50)';
  for (const b of blocks) {
    if (b.type === 'section' && (b.text?.text.length ?? 0) > sectionTextLimit) return 'invalid_blocks (section over 3,000 characters)';
  }
  return undefined;
}

/** Slack's rules for one app in one workspace: per-channel posts, app-wide edits, Tier 4 file calls. */
export function slackRules(now: number): PlatformRules {
  const p = SLACK_PUBLISHED;
  const posts = perKey(() => tokenBucket(p.postsPerSecond, p.postBurst, now));
  const updates = tokenBucket(p.updatesPerMinute / 60, p.updateBurst, now);
  const files = tokenBucket(p.filesPerMinute / 60, p.filesBurst, now);
  return {
    platform: 'slack',
    limits: slackLimits,
    admit(kind: CallKind, thread, t) {
      if (kind === 'post') return wholeSeconds(posts(thread.channel).take(t));
      if (kind === 'update') return wholeSeconds(updates.take(t));
      return wholeSeconds(files.take(t));
    },
    problem: slackProblem,
    // files.uploadV2: getUploadURLExternal, the upload itself, completeUploadExternal.
    requests: (kind) => (kind === 'attach' ? 3 : 1),
    upload: (content) => ({ bytes: Buffer.byteLength(content, 'utf8'), cut: false }),
  };
}
