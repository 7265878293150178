import { describe, expect, it } from 'vitest';
import { createAddressBook, plusPattern } from '../../../src/mail/addresses.js';

describe('machine mail addresses', () => {
  it('plus-addressing on one mailbox, by default', () => {
    const book = createAddressBook(plusPattern('pia@example.com'));
    expect(book.addressOf('m2')).toBe('pia+m2@example.com');
    expect(book.machineOf('PIA+M2@Example.com')).toBe('m2');
    expect(book.machineOf('pia@example.com')).toBeUndefined();
    expect(book.machineOf('pia+m2@example.org')).toBeUndefined();
    expect(book.machineOf('pia+-x@example.com')).toBeUndefined();
    expect(book.machineOf('pia+a.b@example.com')).toBeUndefined();
  });

  it('a catch-all domain', () => {
    const book = createAddressBook('{machine}@fleet.example.com');
    expect(book.addressOf('soda-monster-hunter')).toBe('soda-monster-hunter@fleet.example.com');
    expect(book.machineOf('m3@fleet.example.com')).toBe('m3');
    expect(book.machineOf('m3@evil.fleet.example.com')).toBeUndefined();
  });

  it('refuses patterns without exactly one {machine}', () => {
    expect(() => createAddressBook('pia@example.com')).toThrow(/PIA_MAIL_PATTERN must be an address with \{machine\} once/);
    expect(() => createAddressBook('{machine}+{machine}@x.y')).toThrow(/once/);
    expect(() => plusPattern('nobody')).toThrow("PIA_MAIL_ADDRESS must be an email address, got 'nobody'");
  });
});
