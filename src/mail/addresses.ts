import { PiaError } from '../common/errors.js';

/**
 * Every machine's mail address, from one pattern with `{machine}`: plus-addressing on one mailbox
 * (`pia+{machine}@example.com`, the default from PIA_MAIL_ADDRESS) or a catch-all domain
 * (`{machine}@fleet.example.com`).
 */
export interface AddressBook {
  /** The pattern, e.g. `pia+{machine}@example.com`. */
  pattern: string;
  /** A machine's (or alias's) address. */
  addressOf(machine: string): string;
  /** The machine name or alias an address belongs to, or undefined when it is not one of the fleet's. */
  machineOf(address: string): string | undefined;
}

/** The default pattern for a mailbox: `local+{machine}@domain`. */
export function plusPattern(mailbox: string): string {
  const at = mailbox.lastIndexOf('@');
  if (at <= 0) throw new PiaError('config_invalid', `PIA_MAIL_ADDRESS must be an email address, got '${mailbox}'`);
  return `${mailbox.slice(0, at)}+{machine}@${mailbox.slice(at + 1)}`;
}

/** Creates the address book for a pattern. */
export function createAddressBook(pattern: string): AddressBook {
  const p = pattern.trim().toLowerCase();
  if (p.split('{machine}').length !== 2 || !/^[^@\s]+@[^@\s]+$/.test(p)) {
    throw new PiaError('config_invalid', `PIA_MAIL_PATTERN must be an address with {machine} once, e.g. pia+{machine}@example.com, got '${pattern}'`);
  }
  const [before, after] = p.split('{machine}') as [string, string];
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const matcher = new RegExp(`^${escape(before)}([a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)${escape(after)}$`);
  return {
    pattern: p,
    addressOf: (machine) => `${before}${machine}${after}`,
    machineOf(address) {
      return matcher.exec(address.trim().toLowerCase())?.[1];
    },
  };
}
