/**
 * The small port every chat adapter implements (Slack, Discord, the console): post into a thread, edit a message,
 * attach a file, show buttons. The shared reporter renders hub events through it; adapters never see hub types.
 */

/** Where a conversation lives: a channel, and the thread inside it (absent: start a new thread). */
export interface ThreadRef {
  channel: string;
  /** The platform's thread id (Slack: the parent message ts; Discord: the thread channel id). */
  thread?: string;
}

export type { Button, OutMessage } from '../present/message.js';
import type { Button, OutMessage } from '../present/message.js';

/** A message that was posted, to update it later. */
export interface PostedMessage {
  thread: ThreadRef;
  id: string;
}

/** A file to attach in a thread (a full task log). */
export interface Attachment {
  filename: string;
  title: string;
  content: string;
}

/** The platform's published limits the reporter keeps to. */
export interface ChatLimits {
  /** Longest `text` + `code` of one message, in characters. */
  maxMessageChars: number;
  /** Longest code block (Slack: a section block's 3,000 characters). */
  maxCodeChars: number;
  /** Messages per second per channel, sustained (Slack: about 1; Discord: 5 per 5 s). */
  postsPerSecond: number;
  /** Edits per second per channel, sustained. */
  updatesPerSecond: number;
  /** Edits per second for the whole app, when the platform counts them that way (Slack's chat.update, Tier 3). */
  appUpdatesPerSecond?: number;
  /** Burst allowance above the sustained rates. */
  burst: number;
}

/** What an adapter offers the core. */
export interface ChatPort {
  /** `slack`, `discord`, `console`: the prefix of its users' identities. */
  readonly platform: string;
  readonly limits: ChatLimits;
  /**
   * The platform keeps every line it was shown, in order (a terminal): a task's final message then need not repeat
   * the output that was streamed into its thread.
   */
  readonly keepsHistory?: boolean;
  /** Posts a message; with no `thread.thread`, starts a thread and returns its id in the result. */
  post(thread: ThreadRef, message: OutMessage): Promise<PostedMessage>;
  update(message: PostedMessage, next: OutMessage): Promise<void>;
  attach(thread: ThreadRef, file: Attachment): Promise<void>;
}

/** Thrown by an adapter when the platform said "too many requests": the reporter waits and retries. */
export class RateLimited extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`rate limited; retry after ${retryAfterMs} ms`);
  }
}

/** A command as it arrived from a person, converted at the edge into PIA's own shape. */
export interface Inbound {
  /** The person's identity: `slack:U123`, `discord:4567`, `console:ada`. */
  actor: string;
  displayName?: string;
  text: string;
  /** Where to answer. `thread` set when the person wrote inside an existing thread (a reply). */
  where: ThreadRef;
  /** A reply in a thread PIA started: continue what that thread is about rather than a new command. */
  isReply: boolean;
}

/** A button press, converted at the edge. */
export interface ButtonPress {
  actor: string;
  actionId: Button['actionId'];
  value: string;
  where: ThreadRef;
}

/** What the core offers adapters: hand it what people said and pressed. */
export interface BotCore {
  handle(inbound: Inbound, port: ChatPort): Promise<void>;
  press(press: ButtonPress, port: ChatPort): Promise<void>;
}
