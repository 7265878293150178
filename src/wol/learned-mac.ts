import type { Facts } from '../protocol/facts.js';

/** A MAC address a machine's worker reported, and the interface it belongs to. */
export interface LearnedMac {
  mac: string;
  interface: string;
}

function ipv4ToInt(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!Number.isInteger(v) || v < 0 || v > 255 || p === '') return undefined;
    n = n * 256 + v;
  }
  return n;
}

/** Whether an IPv4 address lies inside a CIDR network (`192.168.1.0/24`). */
export function inCidr(address: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const a = ipv4ToInt(address);
  const b = base === undefined ? undefined : ipv4ToInt(base);
  const bits = Number(bitsText);
  if (a === undefined || b === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(a / size) === Math.floor(b / size);
}

const usable = (mac: string) => /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(mac) && !/^(00:){5}00$/.test(mac);

/**
 * The MAC to wake a machine by, learned from what its worker last reported: the interface on the network of its
 * default gateway (the one a wake packet reaches from the LAN), else its only wired-looking interface. Undefined
 * when its worker never linked or nothing fits; a person's `--mac` always wins over this.
 */
export function learnedMac(facts: Pick<Facts, 'interfaces' | 'gateway'> | null | undefined): LearnedMac | undefined {
  if (!facts) return undefined;
  const candidates = facts.interfaces.filter((i) => !i.internal && usable(i.mac));
  const gateway = facts.gateway ?? undefined;
  const onRoute = gateway ? candidates.find((i) => inCidr(gateway, i.cidr)) : undefined;
  const chosen = onRoute ?? (candidates.length === 1 ? candidates[0] : undefined);
  return chosen ? { mac: chosen.mac.toLowerCase(), interface: chosen.name } : undefined;
}
