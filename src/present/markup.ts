/**
 * The light markup of an {@link OutMessage}'s text: `**bold**` and `` `code` ``, nothing else. The core writes it
 * once; each front end renders it its own way (Discord as is, Slack's mrkdwn, bold on a terminal, plain in mail).
 */

const BOLD = /\*\*([^*\n]+)\*\*/g;

/** Bold text in PIA's markup. */
export function bold(text: string): string {
  return `**${text}**`;
}

/** Slack's mrkdwn: single asterisks for bold. */
export function toSlackMarkup(text: string): string {
  return text.replace(BOLD, '*$1*');
}

/** A terminal: bold as ANSI bold when `ansi`, else the plain words. */
export function toTerminal(text: string, ansi: boolean): string {
  return text.replace(BOLD, ansi ? '\x1b[1m$1\x1b[22m' : '$1');
}

/** Plain text (mail, the CLI): the words without the markers. */
export function toPlainText(text: string): string {
  return text.replace(BOLD, '$1');
}
