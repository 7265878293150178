/** A word of a command line and where it ends in the text, so the rest can be taken verbatim (a prompt). */
export interface Token {
  value: string;
  start: number;
  end: number;
}

const quotePairs: Record<string, string> = { '"': '"', "'": "'", '“': '”', '‘': '’', '«': '»' };

/**
 * Splits text into words. Quotes group words ("fix the test" is one word) and are removed; nothing is expanded:
 * `$(...)`, backticks and `;` are plain characters. An unclosed quote runs to the end.
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const start = i;
    let value = '';
    while (i < text.length && !/\s/.test(text[i]!)) {
      const close = quotePairs[text[i]!];
      if (close !== undefined) {
        const end = text.indexOf(close, i + 1);
        const stop = end === -1 ? text.length : end;
        value += text.slice(i + 1, stop);
        i = end === -1 ? text.length : end + 1;
      } else {
        value += text[i];
        i++;
      }
    }
    tokens.push({ value, start, end: i });
  }
  return tokens;
}

/** The text from `from` on, trimmed, without one pair of quotes wrapping all of it. */
export function restOf(text: string, from: number): string {
  const rest = text.slice(from).trim();
  const close = quotePairs[rest[0] ?? ''];
  if (close !== undefined && rest.length >= 2 && rest.endsWith(close) && !rest.slice(1, -1).includes(close)) return rest.slice(1, -1).trim();
  return rest;
}
