import type { Message } from 'discord.js';
import type { Logger } from '../../common/logger.js';
import type { BotCore, ChatPort } from '../port.js';
import { actorOf, displayNameOf } from './people.js';
import { forLog } from './rest-errors.js';

/** What the thread-reply handler needs. */
export interface ThreadReplyDeps {
  core: BotCore;
  port: ChatPort;
  log: Logger;
  /** The bot's own user id, once logged in: threads it owns are the ones PIA started. */
  botUserId: () => string | undefined;
}

/**
 * Hands what a person writes inside a thread PIA started to the core as a reply. Everything else is not PIA's
 * business: other channels, other threads, and anything a bot or webhook wrote (PIA's own posts come back
 * through the gateway too, and answering them would loop).
 */
export function createThreadReplyHandler(deps: ThreadReplyDeps): (message: Message) => Promise<void> {
  const { core, port, log } = deps;
  return async (message) => {
    if (message.author.bot || message.webhookId || message.system) return;
    const channel = message.channel;
    if (!channel.isThread() || !channel.parentId) return;
    const me = deps.botUserId();
    if (!me || channel.ownerId !== me) return;
    const text = message.content.trim();
    // An attachment or sticker alone says nothing the core can read.
    if (!text) return;
    const inbound = {
      actor: actorOf(message.author),
      displayName: displayNameOf(message.author, message.member),
      text,
      where: { channel: channel.parentId, thread: channel.id },
      isReply: true,
    };
    try {
      await core.handle(inbound, port);
    } catch (err) {
      log.error({ err: forLog(err) }, 'discord: the core failed on a thread reply');
    }
  };
}
