import { PiaError } from '../common/errors.js';

const separated = /^([0-9a-f]{2})([:-])([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})$/i;
const ciscoDotted = /^([0-9a-f]{4})\.([0-9a-f]{4})\.([0-9a-f]{4})$/i;
const bare = /^[0-9a-f]{12}$/i;

/**
 * Normalises a MAC address to `aa:bb:cc:dd:ee:ff`. Accepts `aa:bb:cc:dd:ee:ff`, `AA-BB-CC-DD-EE-FF`,
 * `aabb.ccdd.eeff` and 12 hex digits; anything else is a `mac_invalid` error that shows the accepted forms.
 */
export function parseMac(input: string): string {
  const text = input.trim();
  let hex: string | undefined;
  const sep = separated.exec(text);
  if (sep) hex = [sep[1], sep[3], sep[4], sep[5], sep[6], sep[7]].join('');
  const dotted = ciscoDotted.exec(text);
  if (dotted) hex = dotted.slice(1, 4).join('');
  if (bare.test(text)) hex = text;
  if (!hex) {
    throw new PiaError(
      'mac_invalid',
      `"${input.slice(0, 64)}" is not a MAC address; use aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff or 12 hex digits`,
    );
  }
  return hex.toLowerCase().match(/../g)!.join(':');
}

/** The 6 bytes of a MAC address in any accepted form. */
export function macBytes(input: string): Buffer {
  return Buffer.from(parseMac(input).replaceAll(':', ''), 'hex');
}
