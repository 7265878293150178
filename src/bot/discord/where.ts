import type { Channel } from 'discord.js';
import type { ThreadRef } from '../port.js';

/**
 * The port's place for a Discord channel: a thread is `{ channel: parent, thread: itself }`, anything else is
 * `{ channel }`. A channel missing from the client's cache is taken as a plain channel.
 */
export function placeOf(channelId: string, channel: Channel | null | undefined): ThreadRef {
  if (channel?.isThread() && channel.parentId) return { channel: channel.parentId, thread: channel.id };
  return { channel: channelId };
}
