import { describe, expect, it } from 'vitest';
import { macBytes, parseMac } from '../../../src/wol/mac.js';

describe('MAC addresses', () => {
  it.each(['aa:bb:cc:dd:ee:ff', 'AA-BB-CC-DD-EE-FF', 'aabb.ccdd.eeff', 'AABBCCDDEEFF', '  aa:BB:cc:DD:ee:FF '])('accepts %s', (input) => {
    expect(parseMac(input)).toBe('aa:bb:cc:dd:ee:ff');
  });

  it.each(['aa:bb:cc:dd:ee', 'aa:bb-cc:dd:ee:ff', 'gg:bb:cc:dd:ee:ff', 'aabbccddeeff00', '', 'aa:bb:cc:dd:ee:ff; reboot'])('refuses %j with the accepted forms', (input) => {
    expect(() => parseMac(input)).toThrow(/is not a MAC address; use aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF, aabb\.ccdd\.eeff or 12 hex digits/);
  });

  it('gives the six bytes', () => {
    expect([...macBytes('01-23-45-67-89-ab')]).toEqual([0x01, 0x23, 0x45, 0x67, 0x89, 0xab]);
  });
});
