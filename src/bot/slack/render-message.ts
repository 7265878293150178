import type { types } from '@slack/bolt';
import { toPlainText, toSlackMarkup } from '../../present/markup.js';
import type { Button, OutMessage } from '../port.js';

/**
 * Renders the core's {@link OutMessage} as Slack Block Kit: text in mrkdwn sections, `code` in a fenced section,
 * buttons in an actions block. Everything that came from people or machines is escaped, so text can never turn
 * into a mention (`<!channel>`) or a link Slack would expand.
 */

/** The most characters Slack accepts in one section block's text. */
export const sectionTextLimit = 3000;
/** Slack's limits for a message and a button (Block Kit reference). */
const maxBlocks = 50;
const maxButtonsPerBlock = 25;
const maxButtonLabel = 75;
const maxButtonValue = 2000;
/** Notification text only: the blocks carry the message, this is what a phone's lock screen shows. */
const maxFallbackChars = 1000;
const fence = '```';

/** A message in Slack's shape, ready for chat.postMessage or chat.update. */
export interface SlackMessage {
  text: string;
  blocks: types.KnownBlock[];
}

/** Escapes text as Slack asks: `&`, `<` and `>` become entities; nothing else is special. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Renders a message; see the module comment for the rules. */
export function renderMessage(message: OutMessage): SlackMessage {
  const buttons = message.buttons ?? [];
  const room = maxBlocks - Math.ceil(buttons.length / maxButtonsPerBlock);
  const textChunks = message.text === '' ? [] : splitEscaped(toSlackMarkup(message.text), sectionTextLimit);
  // A fence inside the code would end the block early; a zero-width space between the backticks keeps it literal.
  const code = message.code?.replace(/```/g, '`\u200b`\u200b`');
  const codeChunks = code ? splitEscaped(code, sectionTextLimit - 2 * (fence.length + 1)) : [];
  // Past Slack's 50 blocks, keep the start of the text and the end of the code (an output tail matters most).
  const keptText = textChunks.slice(0, Math.max(1, room - codeChunks.length));
  const keptCode = codeChunks.slice(Math.max(0, codeChunks.length - (room - keptText.length)));

  // The one place PIA writes a mention itself: a person pinged about what waits on them (a Slack user id, checked).
  const ping = /^slack:([A-Z0-9]{2,40})$/.exec(message.mention ?? '')?.[1];
  if (ping) keptText[0] = `<@${ping}> ${keptText[0] ?? ''}`;
  const blocks: types.KnownBlock[] = [
    ...keptText.map((chunk) => section(chunk)),
    ...keptCode.map((chunk) => section(`${fence}\n${chunk}\n${fence}`)),
  ];
  for (let i = 0; i < buttons.length; i += maxButtonsPerBlock) {
    blocks.push(actions(buttons.slice(i, i + maxButtonsPerBlock), i));
  }
  return { text: (ping ? `<@${ping}> ` : '') + fallbackText(message), blocks };
}

/** A section whose text Slack shows as written: `verbatim` stops it linkifying names and parsing mentions. */
function section(text: string): types.SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text, verbatim: true } };
}

function actions(buttons: Button[], offset: number): types.ActionsBlock {
  return {
    type: 'actions',
    elements: buttons.map((button, i): types.Button => ({
      type: 'button',
      // Slack rejects a message whose buttons share an action_id; a suffix keeps two "cancel" buttons apart.
      action_id: uniqueActionId(button.actionId, offset + i),
      text: { type: 'plain_text', text: clip(button.label, maxButtonLabel), emoji: true },
      value: button.value.slice(0, maxButtonValue),
      ...(button.style ? { style: button.style } : {}),
    })),
  };
}

/** Separates the index suffix of a rendered action_id; see {@link baseActionId}. */
const actionIdSeparator = '#';

function uniqueActionId(actionId: string, index: number): string {
  return index === 0 ? actionId : `${actionId}${actionIdSeparator}${index}`;
}

/** The core's action id for a rendered action_id (`cancel_task#2` -> `cancel_task`). */
export function baseActionId(renderedActionId: string): string {
  const at = renderedActionId.indexOf(actionIdSeparator);
  return at === -1 ? renderedActionId : renderedActionId.slice(0, at);
}

function fallbackText(message: OutMessage): string {
  const source = message.text !== '' ? toPlainText(message.text) : (message.code ?? '').split('\n').find((l) => l.trim() !== '');
  return escapeSlack(clip(source ?? '', maxFallbackChars)) || ' ';
}

function clip(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * Escapes `raw` and cuts it into pieces of at most `max` characters each, never inside an entity or a surrogate
 * pair, preferring to cut at a line break in the second half of a piece so code stays readable.
 */
export function splitEscaped(raw: string, max: number): string[] {
  const pieces: string[] = [];
  let current = '';
  for (const char of raw) {
    const escaped = escapeSlack(char);
    if (current.length + escaped.length > max) {
      const newline = current.lastIndexOf('\n');
      if (newline > max / 2) {
        pieces.push(current.slice(0, newline));
        current = current.slice(newline + 1);
      } else {
        pieces.push(current);
        current = '';
      }
    }
    current += escaped;
  }
  if (current !== '') pieces.push(current);
  return pieces;
}
