/**
 * Slack's wire format for message text, decoded once at the edge into what the person meant, so nothing
 * downstream ever sees `&lt;` or `<@U123>`. Slack escapes `&`, `<` and `>` typed by people and wraps links,
 * mentions and channels in `<...>`; a raw `<` in the text therefore always opens one of Slack's own tokens.
 */

/** One of Slack's `<...>` tokens: `<https://x|label>`, `<@U123>`, `<#C1|name>`, `<!here>`. */
const tokenPattern = /<([^<>]*)>/g;

/** The three entities Slack uses; decoded in one left-to-right pass so `&amp;lt;` stays `&lt;`. */
const entityPattern = /&(amp|lt|gt);/g;
const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>' };

/**
 * Decodes Slack message or slash-command text: entities become characters, links become their URL,
 * `<@U123>` becomes `@U123`, `<#C1|name>` becomes `#name`, `<!here>` becomes `@here`. A mention of the bot
 * itself (`botUserId`) is removed, since "@pia run tests" means "run tests". The result is trimmed.
 */
export function decodeSlackText(text: string, botUserId?: string): string {
  // Removing the bot's mention also takes the blank after it, so "<@B> run x" reads "run x", not " run x".
  const withoutBot = botUserId === undefined ? text : text.replace(botMentionPattern(botUserId), '');
  return withoutBot
    .replace(tokenPattern, (_token: string, inner: string) => decodeToken(inner))
    .replace(entityPattern, (_all: string, name: string) => entities[name] ?? '')
    .trim();
}

function botMentionPattern(botUserId: string): RegExp {
  const id = botUserId.replace(/[^A-Za-z0-9]/g, '');
  return new RegExp(`<@${id}(?:\\|[^<>]*)?> ?`, 'g');
}

function decodeToken(inner: string): string {
  const bar = inner.indexOf('|');
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? undefined : inner.slice(bar + 1);
  if (target.startsWith('@')) {
    // The id, not the display label: identities downstream are ids, and labels go stale when people rename.
    return target;
  }
  if (target.startsWith('#')) return `#${label ?? target.slice(1)}`;
  if (target.startsWith('!')) {
    // <!here>, <!channel>, <!subteam^S1|@team>, <!date^...|fallback>: the label is what people saw.
    if (label !== undefined) return label;
    return `@${target.slice(1).split('^')[0] ?? ''}`;
  }
  if (target.startsWith('mailto:')) return target.slice('mailto:'.length);
  // A link: the URL itself, because a command needs the address (a repo URL), not its label.
  return target;
}
