import { describe, expect, it } from 'vitest';
import { PiaError } from '../../../src/common/errors.js';
import { buildMagicPacket, parseSecureOn } from '../../../src/wol/magic-packet.js';

const header = 'ff'.repeat(6);
const body = '0123456789ab'.repeat(16);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof PiaError ? err.code : 'not a PiaError';
  }
  return undefined;
}

describe('magic packet', () => {
  it('is 6 x 0xFF then the MAC 16 times: 102 bytes', () => {
    const packet = buildMagicPacket('01:23:45:67:89:AB');
    expect(packet).toHaveLength(102);
    expect(packet.toString('hex')).toBe(header + body);
  });

  it('appends a 6-byte SecureOn password', () => {
    const packet = buildMagicPacket('01-23-45-67-89-ab', 'a1:b2:c3:d4:e5:f6');
    expect(packet).toHaveLength(108);
    expect(packet.toString('hex')).toBe(header + body + 'a1b2c3d4e5f6');
  });

  it('appends a 4-byte SecureOn password', () => {
    const packet = buildMagicPacket('0123456789ab', '192.168.1.1');
    expect(packet).toHaveLength(106);
    expect(packet.toString('hex')).toBe(header + body + 'c0a80101');
  });

  it('refuses a bad MAC', () => {
    expect(codeOf(() => buildMagicPacket('01:23:45:67:89'))).toBe('mac_invalid');
  });

  it('refuses a 5-byte SecureOn password before building anything', () => {
    expect(() => buildMagicPacket('0123456789ab', 'aa:bb:cc:dd:ee')).toThrow(/SecureOn password must be 4 or 6 bytes/);
  });
});

describe('SecureOn password', () => {
  it.each([
    ['aa:bb:cc:dd:ee:ff', 'aabbccddeeff'],
    ['AA-BB-CC-DD-EE-FF', 'aabbccddeeff'],
    ['aabbccddeeff', 'aabbccddeeff'],
    [' 10.0.0.255 ', '0a0000ff'],
    ['DEADBEEF', 'deadbeef'],
    ['de:ad:be:ef', 'deadbeef'],
  ])('reads %j', (text, hex) => {
    expect(parseSecureOn(text).toString('hex')).toBe(hex);
  });

  it.each(['aa:bb:cc:dd:ee', '1.2.3.4.5', '0102030405', 'aa:bb:cc:dd:ee:ff:00', 'aabbccddeeff00'])('refuses 5 or 7 bytes (%j), saying how many', (text) => {
    expect(codeOf(() => parseSecureOn(text))).toBe('secureon_invalid');
    expect(() => parseSecureOn(text)).toThrow(/^SecureOn password must be 4 or 6 bytes: .* the value given has [57] bytes$/);
  });

  it.each(['hunter2', '256.1.1.1', 'aa:bb-cc:dd:ee:ff', 'abc', ''])('refuses %j without echoing it', (text) => {
    expect(codeOf(() => parseSecureOn(text))).toBe('secureon_invalid');
    try {
      parseSecureOn(text);
    } catch (err) {
      expect((err as Error).message).toMatch(/SecureOn password must be 4 or 6 bytes/);
      if (text) expect((err as Error).message).not.toContain(text);
    }
  });
});
