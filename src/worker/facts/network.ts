/**
 * The worker's view of its IPv4 network: interfaces with their network CIDR, and the default gateway.
 * The hub uses these to pick a LAN route for wake-on-LAN and SSH bootstrap of sibling machines.
 */
import os from 'node:os';
import { readFile } from 'node:fs/promises';
import type { NetworkInterface } from '../../protocol/facts.js';

/** Parses a dotted-quad IPv4 address into an unsigned 32-bit number, or null if it is not one. */
function ipv4ToInt(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    // Digits only: Number() would also accept '', ' 1', '0x1f' and '1e2'.
    if (!/^\d{1,3}$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

function intToIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.');
}

/**
 * The network an address belongs to, in CIDR form: `networkCidr('192.168.1.23', '255.255.255.0')` is
 * `'192.168.1.0/24'`. Throws a RangeError when the address or netmask is not dotted-quad IPv4, or when the
 * netmask's one-bits are not contiguous (such a mask has no prefix length).
 */
export function networkCidr(address: string, netmask: string): string {
  const addr = ipv4ToInt(address);
  if (addr === null) throw new RangeError(`Not an IPv4 address: "${address}"`);
  const mask = ipv4ToInt(netmask);
  if (mask === null) throw new RangeError(`Not an IPv4 netmask: "${netmask}"`);
  // A valid mask is ones then zeros, so its inverse plus one is a power of two (or 2^32 for /0).
  const hostBits = (~mask >>> 0) + 1;
  if ((hostBits & (hostBits - 1)) !== 0 && hostBits !== 2 ** 32) {
    throw new RangeError(`Netmask ${netmask} is not contiguous, so it has no prefix length`);
  }
  const prefix = 32 - Math.log2(hostBits);
  return `${intToIpv4((addr & mask) >>> 0)}/${prefix}`;
}

/**
 * Every IPv4 interface of this machine (loopback included, flagged `internal`), with the CIDR of its
 * network. `ifaces` defaults to the live `os.networkInterfaces()`; tests pass a fixed table.
 */
export function listIPv4Interfaces(
  ifaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces(),
): NetworkInterface[] {
  const result: NetworkInterface[] = [];
  for (const [name, infos] of Object.entries(ifaces)) {
    for (const info of infos ?? []) {
      if (info.family !== 'IPv4') continue;
      let cidr: string;
      try {
        cidr = networkCidr(info.address, info.netmask);
      } catch {
        // A mask we cannot turn into a prefix: Node's own `cidr` (address/prefix, not the network) is
        // still more useful to the hub than dropping the interface. With neither, there is no CIDR to give.
        if (info.cidr === null) continue;
        cidr = info.cidr;
      }
      result.push({ name, address: info.address, netmask: info.netmask, cidr, mac: info.mac, internal: info.internal });
    }
  }
  return result;
}

/** Decodes a /proc/net/route address: 8 hex digits of a little-endian (host order on x86/ARM) IPv4. */
function decodeRouteHex(hex: string): string | null {
  if (!/^[0-9a-fA-F]{8}$/.test(hex)) return null;
  const value = Number.parseInt(hex, 16);
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24].join('.');
}

/** RTF_UP | RTF_GATEWAY from linux/route.h: the route is usable and goes through a router. */
const RTF_UP = 0x1;
const RTF_GATEWAY = 0x2;

/**
 * Parses the text of Linux's /proc/net/route and returns the default IPv4 gateway (the usable route to
 * 0.0.0.0/0 through a router with the lowest metric), or null when there is none.
 */
export function parseDefaultGateway(routeText: string): string | null {
  const lines = routeText.split('\n').filter((line) => line.trim() !== '');
  const header = lines[0]?.trim().split(/\s+/) ?? [];
  // Columns are located by name; the fallbacks are the kernel's fixed layout.
  const col = (name: string, fallback: number): number => {
    const i = header.indexOf(name);
    return i >= 0 ? i : fallback;
  };
  const [iDest, iGw, iFlags, iMetric, iMask] = [
    col('Destination', 1), col('Gateway', 2), col('Flags', 3), col('Metric', 6), col('Mask', 7),
  ];
  let best: { gateway: string; metric: number } | null = null;
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[iDest] !== '00000000') continue;
    const mask = fields[iMask];
    if (mask !== undefined && mask !== '00000000') continue;
    const flags = Number.parseInt(fields[iFlags] ?? '', 16);
    if (Number.isNaN(flags) || (flags & RTF_UP) === 0 || (flags & RTF_GATEWAY) === 0) continue;
    const gateway = decodeRouteHex(fields[iGw] ?? '');
    if (gateway === null || gateway === '0.0.0.0') continue;
    const metric = Number.parseInt(fields[iMetric] ?? '', 10);
    const m = Number.isNaN(metric) ? Number.MAX_SAFE_INTEGER : metric;
    if (best === null || m < best.metric) best = { gateway, metric: m };
  }
  return best?.gateway ?? null;
}

/**
 * The default IPv4 gateway from Linux's route table. Resolves to null where the file does not exist
 * (macOS, Windows) or cannot be read: the gateway is a nice-to-have fact, never a reason to fail.
 */
export async function readDefaultGateway(routeFile = '/proc/net/route'): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(routeFile, 'utf8');
  } catch {
    return null;
  }
  return parseDefaultGateway(text);
}
