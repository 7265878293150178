import { Routes, type REST } from 'discord.js';
import { z } from 'zod';
import type { Logger } from '../../common/logger.js';
import { RateLimited, type Attachment, type ChatPort, type OutMessage, type PostedMessage, type ThreadRef } from '../port.js';
import type { DeferredReplies, DeferredReply } from './deferred-replies.js';
import { DISCORD_LIMITS, MAX_CONTENT, renderMessage, threadName, type DiscordMessageBody } from './render-message.js';
import { forLog, isGone, viaRest } from './rest-errors.js';

/** What the Discord {@link ChatPort} needs: a REST client with the bot token set, and the pending replies. */
export interface DiscordChatPortDeps {
  rest: REST;
  applicationId: string;
  replies: DeferredReplies;
  log: Logger;
}

/** The port, plus a view of it bound to one interaction, whose first post answers that interaction. */
export interface DiscordChatPort extends ChatPort {
  forInteraction(reply: DeferredReply): ChatPort;
}

// Parsed, not cast: only the fields PIA reads from Discord's answers.
const SentMessage = z.object({ id: z.string(), channel_id: z.string() });
const CreatedThread = z.object({ id: z.string() });

/** Discord's default upload limit for a bot in a server without boosts. */
const MAX_FILE_BYTES = 10 * 1024 * 1024;
/** A day: long enough for a task's thread to stay open while it runs. */
const AUTO_ARCHIVE_MINUTES = 1440;

/** The file body, keeping its tail (the end of a log matters most) when it is over the upload limit. */
function fileData(content: string): Buffer {
  const data = Buffer.from(content, 'utf8');
  if (data.length <= MAX_FILE_BYTES) return data;
  const note = Buffer.from('[… the start of this log was cut: Discord takes files of up to 10 MiB]\n', 'utf8');
  return Buffer.concat([note, data.subarray(data.length - MAX_FILE_BYTES + note.length)]);
}

/** A {@link ChatPort} over Discord's REST API: messages, threads started from them, edits and uploads. */
export function createDiscordChatPort(deps: DiscordChatPortDeps): DiscordChatPort {
  const { rest, applicationId, replies, log } = deps;

  async function send(channel: string, body: DiscordMessageBody): Promise<z.infer<typeof SentMessage>> {
    const res = await viaRest('post a message', () => rest.post(Routes.channelMessages(channel), { body }));
    return SentMessage.parse(res);
  }

  async function editOriginal(reply: DeferredReply, body: DiscordMessageBody): Promise<z.infer<typeof SentMessage>> {
    const route = Routes.webhookMessage(applicationId, reply.token, '@original');
    const res = await viaRest('answer the command', () => rest.patch(route, { body, auth: false }));
    return SentMessage.parse(res);
  }

  /**
   * Starts a thread from a message already posted. If that fails the message stands on its own: throwing would
   * make the reporter post it again, and a duplicate is worse than a reply outside a thread.
   */
  async function startThread(channel: string, messageId: string, name: string): Promise<string | undefined> {
    try {
      const res = await viaRest('start a thread', () =>
        rest.post(Routes.threads(channel, messageId), { body: { name, auto_archive_duration: AUTO_ARCHIVE_MINUTES } }),
      );
      return CreatedThread.parse(res).id;
    } catch (err) {
      log.warn({ err: forLog(err), channel, messageId }, 'discord: could not start a thread; the message stays in the channel');
      return undefined;
    }
  }

  async function answered(where: ThreadRef, sent: z.infer<typeof SentMessage>, name: string): Promise<PostedMessage> {
    if (where.thread) return { thread: where, id: sent.id };
    const thread = await startThread(sent.channel_id, sent.id, name);
    return { thread: thread ? { channel: where.channel, thread } : { channel: where.channel }, id: sent.id };
  }

  async function post(where: ThreadRef, message: OutMessage, preferred?: DeferredReply): Promise<PostedMessage> {
    const body = renderMessage(message);
    const reply = replies.take(where, preferred);
    if (reply) {
      try {
        const sent = await editOriginal(reply, body);
        replies.became(sent.id, reply);
        return await answered(where, sent, reply.threadName);
      } catch (err) {
        if (err instanceof RateLimited) {
          replies.giveBack(reply);
          throw err;
        }
        // The token is gone (or Discord refused the edit): the answer still has to reach the person.
        log.warn({ err: forLog(err) }, 'discord: could not edit the deferred reply; posting a new message instead');
      }
    }
    const sent = await send(where.thread ?? where.channel, body);
    return answered(where, sent, threadName(message.text));
  }

  const port: DiscordChatPort = {
    platform: 'discord',
    limits: DISCORD_LIMITS,
    post: (where, message) => post(where, message),
    async update(posted, next) {
      const body = renderMessage(next);
      const token = replies.tokenFor(posted.id);
      if (token) {
        const route = Routes.webhookMessage(applicationId, token, '@original');
        try {
          await viaRest('edit a message', () => rest.patch(route, { body, auth: false }));
          return;
        } catch (err) {
          // A token that died early (Discord's clock, not ours) still leaves the bot's own message to edit.
          if (!isGone(err)) throw err;
        }
      }
      // A thread started from a message has that message's id; the message itself lives in the parent channel.
      const thread = posted.thread.thread;
      const channel = thread && thread !== posted.id ? thread : posted.thread.channel;
      await viaRest('edit a message', () => rest.patch(Routes.channelMessage(channel, posted.id), { body }));
    },
    async attach(where: ThreadRef, file: Attachment) {
      const body = { content: file.title.slice(0, MAX_CONTENT), allowed_mentions: { parse: [] } };
      const files = [{ name: file.filename, data: fileData(file.content), contentType: 'text/plain; charset=utf-8' }];
      await viaRest('upload a file', () => rest.post(Routes.channelMessages(where.thread ?? where.channel), { body, files }));
    },
    forInteraction(reply) {
      return { ...port, post: (where, message) => post(where, message, reply) };
    },
  };
  return port;
}
