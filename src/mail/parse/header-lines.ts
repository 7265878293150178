/** One raw header as the parser saw it: lowercase name, and the whole line ("Name: value", folds included). */
export interface HeaderLine {
  key: string;
  line: string;
}

/** The header fields PIA decides on: loops (auto-replies, bounces, lists) and sender authentication. */
export interface MailHeaders {
  /** `Auto-Submitted`, lowercased (`auto-replied`, `auto-generated`, `no`). */
  autoSubmitted: string | null;
  /** `Precedence`, lowercased (`bulk`, `list`, `junk`). */
  precedence: string | null;
  /** The identifier of `List-Id` (the part in angle brackets, `dev.lists.example.com`), else its whole value. */
  listId: string | null;
  /** The address of `Return-Path`, lowercased; `''` for the empty `<>` that bounces and auto-replies carry. */
  returnPath: string | null;
  /**
   * The topmost `Authentication-Results`, unfolded. It is the one the receiving server added; lower ones may come
   * from anywhere, so only this one may be trusted (and only if that server is ours).
   */
  authenticationResults: string | null;
}

/** The value of the first header named `key`, unfolded and trimmed, or null. */
export function firstHeader(lines: readonly HeaderLine[], key: string): string | null {
  const found = lines.find((h) => h.key === key);
  if (!found) return null;
  const colon = found.line.indexOf(':');
  return found.line.slice(colon + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
}

/** Reads {@link MailHeaders} from the raw header lines. */
export function mailHeaders(lines: readonly HeaderLine[]): MailHeaders {
  const lower = (v: string | null): string | null => (v === null ? null : v.toLowerCase());
  const listId = firstHeader(lines, 'list-id');
  const returnPath = firstHeader(lines, 'return-path');
  return {
    autoSubmitted: lower(firstHeader(lines, 'auto-submitted')),
    precedence: lower(firstHeader(lines, 'precedence')),
    listId: listId === null ? null : (/<([^<>]*)>/.exec(listId)?.[1] ?? listId).trim(),
    returnPath: returnPath === null ? null : (/<([^<>]*)>/.exec(returnPath)?.[1] ?? returnPath).trim().toLowerCase(),
    authenticationResults: firstHeader(lines, 'authentication-results'),
  };
}

/**
 * The `Date` header as an ISO timestamp, or null when it is missing or unreadable. (mailparser puts the time of
 * parsing in place of a date it cannot read, which would pass a made-up time off as the sender's.)
 */
export function mailDate(lines: readonly HeaderLine[]): string | null {
  const raw = firstHeader(lines, 'date');
  if (raw === null) return null;
  const date = new Date(raw);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
