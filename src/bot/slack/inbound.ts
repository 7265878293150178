import { z } from 'zod';
import type { Button, ButtonPress, Inbound } from '../port.js';
import { decodeSlackText } from './decode-text.js';
import { baseActionId } from './render-message.js';

/**
 * Slack payloads converted into PIA's {@link Inbound} and {@link ButtonPress}: parsed (only the fields used),
 * decoded, and filtered. A function returns `undefined` for a payload that is not for PIA.
 */

const actorOf = (userId: string): string => `slack:${userId}`;

const SlashCommand = z.object({
  user_id: z.string().min(1),
  user_name: z.string().optional(),
  channel_id: z.string().min(1),
  text: z.string().default(''),
});

/** `/pia <text>`: a new command, answered in the channel it was typed in. */
export function inboundFromCommand(payload: unknown, botUserId: string | undefined): Inbound | undefined {
  const parsed = SlashCommand.safeParse(payload);
  if (!parsed.success) return undefined;
  const command = parsed.data;
  return {
    actor: actorOf(command.user_id),
    ...(command.user_name ? { displayName: command.user_name } : {}),
    text: decodeSlackText(command.text, botUserId),
    where: { channel: command.channel_id },
    isReply: false,
  };
}

const Mention = z.object({
  user: z.string().min(1),
  text: z.string().default(''),
  channel: z.string().min(1),
  thread_ts: z.string().optional(),
  bot_id: z.string().optional(),
});

/** `@pia <text>`: a new command; inside a thread, answered in that thread. */
export function inboundFromMention(event: unknown, botUserId: string | undefined): Inbound | undefined {
  const parsed = Mention.safeParse(event);
  if (!parsed.success || parsed.data.bot_id !== undefined) return undefined;
  const mention = parsed.data;
  return {
    actor: actorOf(mention.user),
    text: decodeSlackText(mention.text, botUserId),
    where: { channel: mention.channel, ...(mention.thread_ts !== undefined ? { thread: mention.thread_ts } : {}) },
    isReply: false,
  };
}

const Message = z.object({
  subtype: z.string().optional(),
  user: z.string().optional(),
  bot_id: z.string().optional(),
  text: z.string().default(''),
  channel: z.string().min(1),
  channel_type: z.string().optional(),
  ts: z.string(),
  thread_ts: z.string().optional(),
  parent_user_id: z.string().optional(),
});

/**
 * A plain message. Two kinds reach the core: a person's reply inside a thread PIA started (`isReply`), and a
 * top-level direct message to PIA (a command, as typing `/pia` would be). Skipped: bots, edits, joins and
 * other subtypes, thread parents, and channel messages that mention PIA (their `app_mention` event carries them).
 */
export function inboundFromMessage(event: unknown, botUserId: string | undefined): Inbound | undefined {
  const parsed = Message.safeParse(event);
  if (!parsed.success) return undefined;
  const message = parsed.data;
  // "Also send to channel" replies are still a person's reply; every other subtype is not a person typing.
  if (message.subtype !== undefined && message.subtype !== 'thread_broadcast') return undefined;
  if (message.bot_id !== undefined || message.user === undefined || message.user === botUserId) return undefined;
  // Slack sends no app_mention for direct messages, so only outside them does the mention event carry it.
  const mentionsPia = botUserId !== undefined && message.text.includes(`<@${botUserId}`);
  if (mentionsPia && message.channel_type !== 'im') return undefined;

  const actor = actorOf(message.user);
  const text = decodeSlackText(message.text, botUserId);
  if (message.thread_ts !== undefined && message.thread_ts !== message.ts) {
    // Someone else's thread: people talking among themselves, not to PIA.
    if (message.parent_user_id !== undefined && botUserId !== undefined && message.parent_user_id !== botUserId) {
      return undefined;
    }
    return { actor, text, where: { channel: message.channel, thread: message.thread_ts }, isReply: true };
  }
  if (message.channel_type === 'im' && message.thread_ts === undefined) {
    return { actor, text, where: { channel: message.channel }, isReply: false };
  }
  return undefined;
}

/** The action ids the core understands; the type check below fails if the port gains one not listed here. */
const actionIds = [
  'cancel_task',
  'wake_machine',
  'confirm',
  'dismiss',
  'approve_once',
  'approve_task',
  'approve_always',
  'deny_approval',
  'answer_choice',
] as const satisfies readonly Button['actionId'][];
type Unlisted = Exclude<Button['actionId'], (typeof actionIds)[number]>;
const allActionIdsListed: [Unlisted] extends [never] ? true : never = true;
void allActionIdsListed;

const BlockActions = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().min(1) }),
  channel: z.object({ id: z.string().min(1) }).optional(),
  container: z.object({ channel_id: z.string().optional() }).optional(),
  message: z.object({ ts: z.string(), thread_ts: z.string().optional() }).optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().default('') })).min(1),
});

/** A press on one of PIA's buttons; `where.thread` is the thread the button's message lives in. */
export function pressFromBlockActions(payload: unknown): ButtonPress | undefined {
  const parsed = BlockActions.safeParse(payload);
  if (!parsed.success) return undefined;
  const body = parsed.data;
  const [action] = body.actions;
  const actionId = z.enum(actionIds).safeParse(baseActionId(action?.action_id ?? ''));
  const channel = body.channel?.id ?? body.container?.channel_id;
  if (action === undefined || !actionId.success || channel === undefined) return undefined;
  // A button on a thread's first message has no thread_ts: that message's own ts is the thread.
  const thread = body.message?.thread_ts ?? body.message?.ts;
  return {
    actor: actorOf(body.user.id),
    actionId: actionId.data,
    value: action.value,
    where: { channel, ...(thread !== undefined ? { thread } : {}) },
  };
}
