import { simpleParser, type AddressObject, type EmailAddress } from 'mailparser';
import { mailDate, mailHeaders, type MailHeaders } from './header-lines.js';
import { htmlToText } from './html-text.js';

/** A mailbox: its address (lowercased) and display name (`''` when there is none). */
export interface MailAddress {
  address: string;
  name: string;
}

/** A file attached to a mail, described (its content is not kept). */
export interface MailAttachment {
  filename: string;
  contentType: string;
  size: number;
}

/**
 * An inbound mail in PIA's own terms: no mailparser type goes past the mail folder. Addresses are lowercased;
 * message ids keep their angle brackets, as they are written back into `In-Reply-To` and `References`.
 */
export interface ParsedMail {
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  /** The first address of `From` (the one answers go to, once it is authenticated). */
  from: MailAddress | null;
  /** How many addresses `From` holds: a mail from several people cannot be vouched for as one sender's. */
  fromCount: number;
  to: string[];
  cc: string[];
  replyTo: string[];
  subject: string;
  /** ISO 8601, or null when the mail has no readable `Date`. */
  date: string | null;
  /** The best plain text: the text/plain part, else the HTML part reduced to text (quoted parts removed). */
  text: string;
  attachments: MailAttachment[];
  headers: MailHeaders;
}

/**
 * Parses a raw RFC 5322 message. Charsets (ISO-8859-1, Windows-1252, Shift_JIS, ...), transfer encodings
 * (quoted-printable, base64) and encoded-word headers are decoded by mailparser; the result holds only strings.
 * Rejects only if the input is not a message at all; a message with odd parts still parses.
 */
export async function parseMail(raw: Buffer | string): Promise<ParsedMail> {
  // mailparser's own HTML conversion is skipped: PIA's removes the quoted part of a reply first.
  const mail = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
  const plain = normalize(mail.text ?? '');
  const text = plain.trim() !== '' ? plain : typeof mail.html === 'string' ? htmlToText(mail.html) : '';
  const froms = addresses(mail.from);
  const from = froms[0];
  return {
    messageId: mail.messageId ?? null,
    inReplyTo: mail.inReplyTo ?? null,
    references: mail.references === undefined ? [] : Array.isArray(mail.references) ? mail.references : [mail.references],
    from: from ?? null,
    fromCount: froms.length,
    to: addresses(mail.to).map((a) => a.address),
    cc: addresses(mail.cc).map((a) => a.address),
    replyTo: addresses(mail.replyTo).map((a) => a.address),
    subject: mail.subject ?? '',
    date: mailDate(mail.headerLines),
    text,
    attachments: mail.attachments.map((a) => ({ filename: a.filename ?? '', contentType: a.contentType, size: a.size })),
    headers: mailHeaders(mail.headerLines),
  };
}

/** Every mailbox in an address header, group members included, without the ones that have no address. */
function addresses(field: AddressObject | AddressObject[] | undefined): MailAddress[] {
  if (field === undefined) return [];
  const flat = (list: EmailAddress[]): EmailAddress[] => list.flatMap((a) => (a.group ? flat(a.group) : [a]));
  return (Array.isArray(field) ? field : [field])
    .flatMap((f) => flat(f.value))
    .filter((a) => a.address !== undefined && a.address !== '')
    .map((a) => ({ address: a.address!.toLowerCase(), name: a.name }));
}

/** Line endings as `\n`, whatever the message carried, and no byte-order marks (Apple Mail leaves them mid-text). */
function normalize(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/\uFEFF/g, '');
}
