import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponentWithCustomId } from 'discord.js';
import type { Button, ChatLimits, OutMessage } from '../port.js';

/** Discord's published limits, as the reporter should keep to them. */
export const DISCORD_LIMITS: ChatLimits = Object.freeze({
  maxMessageChars: 2000,
  // Leaves room for the text and the code fence inside the 2,000 characters of one message.
  maxCodeChars: 1900,
  // 5 messages per 5 s per channel: 1 per second sustained, with a burst of 5.
  postsPerSecond: 1,
  updatesPerSecond: 1,
  burst: 5,
});

/** Longest message content Discord accepts. */
export const MAX_CONTENT = 2000;
const MAX_CUSTOM_ID = 100;
const MAX_LABEL = 80;
const BUTTONS_PER_ROW = 5;
const MAX_ROWS = 5;

/** A message body for Discord's message endpoints. */
export interface DiscordMessageBody {
  content: string;
  components: APIActionRowComponent<APIButtonComponentWithCustomId>[];
  /**
   * Output and prompts are shown, never pinged: `@everyone` in a log tail must not page a server. Only the person an
   * approval waits on is pinged, by id.
   */
  allowed_mentions: { parse: []; users?: string[] };
}

// A ``` inside the output would close our fence early; a zero-width space keeps it visible but inert.
const escapeFence = (code: string): string => code.replaceAll('```', '``\u200b`');

function cutEnd(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`;
}

/**
 * Text plus a code block, within Discord's 2,000 characters. The core keeps to {@link DISCORD_LIMITS}; this is
 * the last guard so a mistake there shortens a message instead of losing it to a 400. Code keeps its tail (the
 * newest output), text keeps its head.
 */
export function renderContent(message: OutMessage): string {
  const text = message.text;
  if (message.code === undefined) return cutEnd(text, MAX_CONTENT) || '\u200b';
  const code = escapeFence(message.code);
  const fence = (body: string): string => `\n\`\`\`\n${body}\n\`\`\``;
  const full = text + fence(code);
  if (full.length <= MAX_CONTENT) return full;
  const head = cutEnd(text, Math.floor(MAX_CONTENT / 4));
  const room = MAX_CONTENT - head.length - fence('').length - 2;
  return head + fence(`…\n${code.slice(code.length - Math.max(0, room))}`);
}

function buttonJson(b: Button): APIButtonComponentWithCustomId | undefined {
  const customId = `${b.actionId}:${b.value}`;
  // A cut custom_id would come back as a different value; such a button is left out rather than mislead.
  if (customId.length > MAX_CUSTOM_ID) return undefined;
  const style = b.style === 'primary' ? ButtonStyle.Primary : b.style === 'danger' ? ButtonStyle.Danger : ButtonStyle.Secondary;
  return { type: ComponentType.Button, style, label: cutEnd(b.label, MAX_LABEL), custom_id: customId };
}

/** Buttons as action rows of up to five (Discord's layout limit), at most five rows. */
export function renderButtons(buttons: Button[] | undefined): APIActionRowComponent<APIButtonComponentWithCustomId>[] {
  const rendered = (buttons ?? []).map(buttonJson).filter((b): b is APIButtonComponentWithCustomId => b !== undefined);
  const rows: APIActionRowComponent<APIButtonComponentWithCustomId>[] = [];
  for (let i = 0; i < rendered.length && rows.length < MAX_ROWS; i += BUTTONS_PER_ROW) {
    rows.push({ type: ComponentType.ActionRow, components: rendered.slice(i, i + BUTTONS_PER_ROW) });
  }
  return rows;
}

/** An {@link OutMessage} as Discord's message body; no buttons clears any a previous version had. */
export function renderMessage(message: OutMessage): DiscordMessageBody {
  const ping = /^discord:(\d{5,25})$/.exec(message.mention ?? '')?.[1];
  if (!ping) return { content: renderContent(message), components: renderButtons(message.buttons), allowed_mentions: { parse: [] } };
  const content = renderContent({ ...message, text: `<@${ping}> ${message.text}` });
  return { content, components: renderButtons(message.buttons), allowed_mentions: { parse: [], users: [ping] } };
}

/** A thread's name (1-100 characters) from a line of text. */
export function threadName(text: string): string {
  const line = text.split('\n', 1)[0]!.replaceAll('`', '').trim();
  return cutEnd(line, 100) || 'PIA';
}
