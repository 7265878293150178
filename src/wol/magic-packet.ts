import { PiaError } from '../common/errors.js';
import { macBytes } from './mac.js';

/** Bytes in a magic packet without a SecureOn password: 6 x 0xFF, then the MAC 16 times. */
export const MAGIC_PACKET_LENGTH = 6 + 16 * 6;

const hexSeparated = /^[0-9a-f]{2}(?:([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2})*)?$/i;
const dottedDecimal = /^\d{1,3}(?:\.\d{1,3})+$/;
const bareHex = /^(?:[0-9a-f]{2})+$/i;

// The password itself never appears in the message: it may be echoed into a chat thread or a log.
const secureOnHelp =
  'SecureOn password must be 4 or 6 bytes: write 6 bytes like a MAC (aa:bb:cc:dd:ee:ff or aa-bb-cc-dd-ee-ff), ' +
  '4 bytes as dotted decimal (192.168.1.1) or 8 or 12 hex digits';

/**
 * Parses a SecureOn password (the optional secret some NICs require after the magic packet's MAC
 * repetitions). Accepts 6 bytes written like a MAC (`aa:bb:cc:dd:ee:ff`, `-` separated, or 12 hex digits)
 * and 4 bytes as dotted decimal (`192.168.1.1`) or 8 hex digits. Anything else, including a well-formed
 * value of another length, is a `secureon_invalid` error that shows the accepted forms.
 */
export function parseSecureOn(text: string): Buffer {
  const value = text.trim();
  let bytes: Buffer | undefined;
  if (hexSeparated.test(value)) {
    bytes = Buffer.from(value.replace(/[:-]/g, ''), 'hex');
  } else if (dottedDecimal.test(value)) {
    const octets = value.split('.').map(Number);
    if (octets.every((o) => o <= 255)) bytes = Buffer.from(octets);
  } else if (bareHex.test(value)) {
    bytes = Buffer.from(value, 'hex');
  }
  if (!bytes) throw new PiaError('secureon_invalid', `${secureOnHelp}; the value given is in none of these forms`);
  if (bytes.length !== 4 && bytes.length !== 6) {
    throw new PiaError('secureon_invalid', `${secureOnHelp}; the value given has ${bytes.length} bytes`);
  }
  return bytes;
}

/**
 * Builds a Wake-on-LAN magic packet: 6 bytes of 0xFF, the 6-byte MAC repeated 16 times (102 bytes), then
 * the SecureOn password (4 or 6 bytes) when one is given. Throws `mac_invalid` or `secureon_invalid`.
 */
export function buildMagicPacket(mac: string, secureOn?: string): Buffer {
  const macPart = macBytes(mac);
  const password = secureOn === undefined ? Buffer.alloc(0) : parseSecureOn(secureOn);
  const packet = Buffer.alloc(MAGIC_PACKET_LENGTH + password.length, 0xff);
  for (let i = 0; i < 16; i++) macPart.copy(packet, 6 + i * 6);
  password.copy(packet, MAGIC_PACKET_LENGTH);
  return packet;
}
