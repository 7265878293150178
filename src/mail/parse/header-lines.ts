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
   * Every `Authentication-Results`, unfolded, topmost first. Anyone can write such a header into the mail they send:
   * only those whose authserv-id is the fleet's own receiving server may be believed (see mail/auth).
   */
  authenticationResults: string[];
  /** How many `From` header fields the mail has (one, in a well-formed mail). */
  fromFields: number;
}

/** A header line's value, unfolded and trimmed. */
function valueOf(h: HeaderLine): string {
  return h.line.slice(h.line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
}

/** The value of the first header named `key`, unfolded and trimmed, or null. */
export function firstHeader(lines: readonly HeaderLine[], key: string): string | null {
  const found = lines.find((h) => h.key === key);
  return found ? valueOf(found) : null;
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
    authenticationResults: lines.filter((h) => h.key === 'authentication-results').map(valueOf),
    fromFields: lines.filter((h) => h.key === 'from').length,
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
