/** Most bytes of a header block read from an over-size mail: enough for any real one, bounded for a hostile one. */
export const HEADER_MAX_BYTES = 256 * 1024;

/** A size for a person: `12.5 MB`, `640 KB`, `900 bytes`. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}

/**
 * The header block of a raw message (up to the first empty line), at most {@link HEADER_MAX_BYTES}: what an over-size
 * mail is judged by when it was handed over whole.
 */
export function headerBlock(raw: Buffer): Buffer {
  const head = raw.subarray(0, HEADER_MAX_BYTES);
  const end = head.indexOf('\r\n\r\n');
  const lf = head.indexOf('\n\n');
  const cut = end >= 0 && (lf < 0 || end < lf) ? end + 4 : lf >= 0 ? lf + 2 : head.length;
  return head.subarray(0, cut);
}

/** The answer to an authenticated sender whose mail was not read for its size. */
export function tooBigText(size: number, maxBytes: number): string {
  return `Your mail was not read: it is ${formatBytes(size)}, and PIA reads mail up to ${formatBytes(maxBytes)} (PIA_MAIL_MAX_BYTES). Send it again without the large attachments.\n`;
}
