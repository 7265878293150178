import type { BotCore, Button, ChatPort, OutMessage, PostedMessage } from '../../src/bot/port.js';

/** One message as a person in the chat sees it. */
export interface SeenMessage {
  id: string;
  thread: string;
  text: string;
  code?: string;
  buttons: Button[];
  /** Who the message pinged, if anyone. */
  mention?: string;
}

/**
 * A chat platform in the test process: a real {@link ChatPort} that keeps every message (edits applied), so a
 * test talks to PIA's chat core as a person would and reads what that person would see.
 */
export interface TestChat {
  port: ChatPort;
  messages: SeenMessage[];
  /** Sends `text` as `actor` (a new command, or a reply in `thread`) and resolves with the first message it posted. */
  say(actor: string, text: string, thread?: string): Promise<SeenMessage>;
  /** Presses a button of a message as `actor`; resolves with the next message posted. */
  press(actor: string, message: SeenMessage, label: string): Promise<SeenMessage>;
}

/** Creates a chat on the platform `platform` (`slack`, `discord`, ...: the prefix of its identities). */
export function testChat(core: BotCore, platform = 'slack'): TestChat {
  const messages: SeenMessage[] = [];
  let threads = 0;
  let waiting: Array<(m: SeenMessage) => void> = [];
  const port: ChatPort = {
    platform,
    limits: { maxMessageChars: 40_000, maxCodeChars: 3000, postsPerSecond: 1000, updatesPerSecond: 1000, burst: 1000 },
    async post(where, message: OutMessage): Promise<PostedMessage> {
      const thread = where.thread ?? `t${++threads}`;
      const seen: SeenMessage = {
        id: String(messages.length + 1),
        thread,
        text: message.text,
        ...(message.code ? { code: message.code } : {}),
        buttons: message.buttons ?? [],
        ...(message.mention ? { mention: message.mention } : {}),
      };
      messages.push(seen);
      const w = waiting;
      waiting = [];
      for (const resolve of w) resolve(seen);
      return { thread: { channel: where.channel, thread }, id: seen.id };
    },
    async update(target, next) {
      const seen = messages.find((m) => m.id === target.id);
      if (!seen) return;
      seen.text = next.text;
      if (next.code) seen.code = next.code;
      else delete seen.code;
      seen.buttons = next.buttons ?? [];
    },
    async attach() {},
  };
  const nextPost = () => new Promise<SeenMessage>((resolve) => waiting.push(resolve));
  return {
    port,
    messages,
    async say(actor, text, thread) {
      const posted = nextPost();
      await core.handle({ actor, text, where: { channel: 'C1', ...(thread ? { thread } : {}) }, isReply: thread !== undefined }, port);
      return posted;
    },
    async press(actor, message, label) {
      const button = message.buttons.find((b) => b.label === label);
      if (!button) throw new Error(`no button "${label}" under: ${message.text}`);
      const posted = nextPost();
      await core.press({ actor, actionId: button.actionId, value: button.value, where: { channel: 'C1', thread: message.thread } }, port);
      return posted;
    },
  };
}
