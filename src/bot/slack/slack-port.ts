import type { webApi } from '@slack/bolt';
import { PiaError } from '../../common/errors.js';
import type { Attachment, ChatLimits, ChatPort, OutMessage, PostedMessage, ThreadRef } from '../port.js';
import { renderMessage } from './render-message.js';
import { slackCall } from './slack-errors.js';

/**
 * Slack's published limits, for the reporter. A section block holds 3,000 characters; 2,900 leaves room for the
 * code fence. chat.postMessage allows about one message per second per channel; chat.update is Tier 3 (about
 * 50 a minute).
 */
export const slackLimits: ChatLimits = Object.freeze({
  maxMessageChars: 40_000,
  maxCodeChars: 2_900,
  postsPerSecond: 1,
  updatesPerSecond: 0.8,
  // chat.update is Tier 3 per app, not per channel: about 50 a minute across every thread.
  appUpdatesPerSecond: 0.8,
  burst: 3,
});

/** Options every message post or edit carries: no unfurled previews of URLs in output. */
const quietLinks = { unfurl_links: false, unfurl_media: false } as const;

/**
 * The {@link ChatPort} over a Slack Web API client: posts start or continue threads, edits use chat.update, files
 * use files.uploadV2. Rate limits surface as `RateLimited`; the client is built to reject, not wait.
 */
export function createSlackPort(client: webApi.WebClient): ChatPort {
  return {
    platform: 'slack',
    limits: slackLimits,

    async post(thread: ThreadRef, message: OutMessage): Promise<PostedMessage> {
      const { text, blocks } = renderMessage(message);
      const result = await slackCall('chat.postMessage', () =>
        client.chat.postMessage({
          channel: thread.channel,
          text,
          ...(blocks.length > 0 ? { blocks } : {}),
          ...(thread.thread !== undefined ? { thread_ts: thread.thread } : {}),
          ...quietLinks,
        }),
      );
      if (typeof result.ts !== 'string') {
        throw new PiaError('slack_api_failed', 'Slack chat.postMessage answered without a message ts.');
      }
      // Slack answers with the conversation it used (a DM opened for a user id): edits must go there.
      const channel = typeof result.channel === 'string' ? result.channel : thread.channel;
      return { thread: { channel, thread: thread.thread ?? result.ts }, id: result.ts };
    },

    async update(posted: PostedMessage, next: OutMessage): Promise<void> {
      const { text, blocks } = renderMessage(next);
      // An empty block list is sent on purpose: it removes buttons the earlier version had.
      await slackCall('chat.update', () =>
        client.chat.update({ channel: posted.thread.channel, ts: posted.id, text, blocks, ...quietLinks }),
      );
    },

    async attach(thread: ThreadRef, file: Attachment): Promise<void> {
      // filesUploadV2 makes the three calls Slack asks for: getUploadURLExternal, the upload, completeUploadExternal.
      const contents = { filename: file.filename, title: file.title, content: file.content };
      await slackCall('files.uploadV2', () =>
        thread.thread !== undefined
          ? client.filesUploadV2({ ...contents, channel_id: thread.channel, thread_ts: thread.thread })
          : client.filesUploadV2({ ...contents, channel_id: thread.channel }),
      );
    },
  };
}
