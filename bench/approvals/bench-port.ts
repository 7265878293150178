import type { ChatPort, OutMessage, PostedMessage } from '../../src/bot/port.js';

/**
 * The benchmark's chat platform: a real ChatPort in the hub's process that keeps nothing but notes when each
 * approval message is handed to it (what a person would see in the thread) and passes its code on. Its limits are a
 * terminal's, not Slack's: the figures are PIA's own latency, not a platform's rate limit.
 */
export function benchPort(onApproval: (code: string, at: number) => void): ChatPort {
  let ids = 0;
  return {
    platform: 'bench',
    keepsHistory: true,
    limits: { maxMessageChars: 100_000, maxCodeChars: 20_000, postsPerSecond: 10_000, updatesPerSecond: 10_000, burst: 10_000 },
    async post(where, message: OutMessage): Promise<PostedMessage> {
      const allow = message.buttons?.find((b) => b.actionId === 'approve_once');
      if (allow) onApproval(allow.value, Date.now());
      const id = String(++ids);
      return { thread: { channel: where.channel, thread: where.thread ?? `t${id}` }, id };
    },
    async update() {},
    async attach() {},
  };
}
