import { convert, type HtmlToTextOptions } from 'html-to-text';
import { nestsDeeperThan } from './html-depth.js';

/**
 * Where Outlook's quoted part begins. Outlook (web, desktop and the new app) puts the earlier message after one of
 * these as *siblings* of what the sender wrote, not inside them, so the whole rest of the document has to go: skipping
 * the element alone would keep the quoted body.
 */
const OUTLOOK_QUOTE_START = /<div\b[^<>]*\bid\s*=\s*["']?(?:appendonsend|divRplyFwdMsg|mail-editor-reference-message-container)\b/i;

/**
 * The rule Outlook draws just above its "From: / Sent:" block, left dangling once the block is cut. Looked for only
 * in the last stretch of the text, so a hostile run of `<hr>`s cannot make the anchored match quadratic.
 */
const TRAILING_RULE = /(?:<hr\b[^<>]*>\s*)+$/i;
const RULE_TAIL = 1000;

/**
 * Deepest nesting converted. html-to-text walks the tree recursively and overflows the stack at about 2000 levels;
 * mailparser uses the same bound for the same reason. (Browsers flatten anything deeper than 512.)
 */
const MAX_DEPTH = 1000;

const options: HtmlToTextOptions = {
  // Prompts are not read on an 80-column terminal; wrapping would also break long URLs and code lines.
  wordwrap: false,
  limits: { maxDepth: MAX_DEPTH },
  selectors: [
    { selector: 'a', options: { linkBrackets: ['(', ')'], hideLinkHrefIfSameAsText: true } },
    { selector: 'ul', options: { itemPrefix: '- ' } },
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((h) => ({ selector: h, options: { uppercase: false } })),
    // A row per line, cells apart: readable for data tables, and harmless for the layout tables HTML mail is built of
    // (html-to-text's column layout turns those into side-by-side gibberish).
    { selector: 'tr', format: 'block', options: { leadingLineBreaks: 1, trailingLineBreaks: 1 } },
    ...['td + td', 'th + th', 'th + td', 'td + th'].map((cell) => ({ selector: cell, format: 'inlineSurround', options: { prefix: ' | ' } })),
    // Inline images are cid: links and tracking pixels: noise in a prompt.
    { selector: 'img', format: 'skip' },
    { selector: 'style', format: 'skip' },
    { selector: 'script', format: 'skip' },
    { selector: 'title', format: 'skip' },
    // Gmail wraps the attribution line and the quoted message in one element; its signature is marked the same way.
    { selector: 'div.gmail_quote', format: 'skip' },
    { selector: 'blockquote.gmail_quote', format: 'skip' },
    { selector: 'div.gmail_signature', format: 'skip' },
    { selector: 'span.gmail_signature_prefix', format: 'skip' },
  ],
};

/**
 * Reduces an HTML mail body to plain text for a prompt: paragraphs and `<br>` become line breaks, list items start
 * with `- `, links read `text (url)`, `<style>`/`<script>` are dropped and entities decoded. The quoted earlier
 * message of a Gmail reply (`div.gmail_quote`) or an Outlook reply (`#appendonsend`, `#divRplyFwdMsg` and all after
 * them) is removed first, so only what the sender wrote remains. Quotes other clients mark with `<blockquote>` come
 * out as `> ` lines, which `newText` removes.
 */
export function htmlToText(html: string): string {
  const start = html.search(OUTLOOK_QUOTE_START);
  const own = start >= 0 ? withoutTrailingRule(html.slice(0, start)) : html;
  // Markup no mail client writes: not worth a parse that would hold the process; its words are still kept.
  if (nestsDeeperThan(own, MAX_DEPTH)) return tidy(own.replace(/<[^<>]*>/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/gm, ''));
  return tidy(convert(own, options));
}

function withoutTrailingRule(html: string): string {
  const split = Math.max(0, html.length - RULE_TAIL);
  return html.slice(0, split) + html.slice(split).replace(TRAILING_RULE, '');
}

/**
 * Mail HTML spaces paragraphs with empty `<div><br></div>`s and `&nbsp;`s, which convert to runs of blank lines and
 * no-break spaces; a prompt wants one blank line and ordinary spaces.
 */
function tidy(text: string): string {
  return text
    .replace(/\u00a0/g, ' ')
    .split('\n')
    .map((line) => (line.trim() === '' ? '' : line.trimEnd()))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+|\n+$/g, '');
}
