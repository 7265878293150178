import { isIP, isIPv4 } from 'node:net';
import { PiaError } from '../common/errors.js';

/** Where a magic packet is sent: a UDP host (IPv4, IPv6 or a name) and port. */
export type WolTarget = { host: string; port: number };

/**
 * The hub's targets when nothing is configured: the limited broadcast on the two customary WoL ports
 * (9 "discard" and 7 "echo"). It only reaches the hub's own LAN segment.
 */
export const DEFAULT_WOL_TARGETS = '255.255.255.255:9,255.255.255.255:7';

/** Ports a planned target is tried on when none are given. */
export const DEFAULT_WOL_PORTS: readonly number[] = [9, 7];

// RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens.
const hostname = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;
const allNumeric = /^[\d.]+$/;

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

function parseItem(item: string): WolTarget | undefined {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(item);
  if (bracketed) {
    const [, host = '', portText = ''] = bracketed;
    const port = parsePort(portText);
    return isIP(host) === 6 && port !== undefined ? { host, port } : undefined;
  }
  const colon = item.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const host = item.slice(0, colon);
  const port = parsePort(item.slice(colon + 1));
  if (port === undefined || host.includes(':')) return undefined;
  // "300.1.1.1" fits the host-name pattern but is a mistyped address, not a name to look up.
  const valid = allNumeric.test(host) ? isIPv4(host) : hostname.test(host);
  return valid ? { host, port } : undefined;
}

/**
 * Parses a comma-separated list of `host:port` items: `192.168.1.255:9`, `[fd00::1]:9`, `nas.lan:7`.
 * Empty items (a trailing comma) are ignored. A bad item is a `wol_target_invalid` error that names the
 * setting (`name`) and the item.
 */
export function parseWolTargets(text: string, name = 'PIA_WOL_TARGETS'): WolTarget[] {
  const targets: WolTarget[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const target = parseItem(item);
    if (!target) {
      throw new PiaError(
        'wol_target_invalid',
        `${name} has a bad item "${item.slice(0, 80)}": write host:port with a port from 1 to 65535, ` +
          `e.g. 192.168.1.255:9, [fd00::1]:9 or nas.lan:7, and separate items with commas`,
      );
    }
    targets.push(target);
  }
  return targets;
}

/** Writes a target back as `host:port`, bracketing IPv6 hosts so the result parses again. */
export function formatWolTarget(target: WolTarget): string {
  return isIP(target.host) === 6 ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}

/**
 * The directed broadcast address of an IPv4 network, e.g. `192.168.1.0/24` (or a host address with its
 * prefix, `192.168.1.23/24`) -> `192.168.1.255`. `null` when there is none: /31 and /32 networks, IPv6,
 * and text that is not an IPv4 CIDR (networks come from what a worker last reported; a bad one should
 * not stop a wake).
 */
export function directedBroadcast(cidr: string): string | null {
  const match = /^([\d.]+)\/(\d{1,2})$/.exec(cidr.trim());
  if (!match) return null;
  const [, address = '', prefixText = ''] = match;
  const prefix = Number(prefixText);
  // /31 links (RFC 3021) and /32 hosts have no broadcast address.
  if (!isIPv4(address) || prefix >= 31) return null;
  const value = address.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
  const hostBits = 2 ** (32 - prefix);
  const broadcast = value - (value % hostBits) + hostBits - 1;
  return [24, 16, 8, 0].map((shift) => Math.floor(broadcast / 2 ** shift) % 256).join('.');
}

/** What {@link planWolTargets} knows about a machine and the hub. */
export interface WolPlanInput {
  /** The machine's last known IP address. */
  lastIp?: string;
  /** CIDRs the machine was last seen on, e.g. `192.168.1.23/24`. */
  networks: string[];
  /** Targets configured for this machine; when non-empty they replace the plan. */
  machineTargets?: WolTarget[];
  /** The hub's default targets (see {@link DEFAULT_WOL_TARGETS}). */
  hubTargets: WolTarget[];
  /** Ports for the computed targets; default [9, 7]. */
  ports?: number[];
}

/**
 * Where to send a machine's magic packets. Targets configured for the machine are used exactly as given.
 * Otherwise: the hub's targets, then the directed broadcast of every network the machine was seen on,
 * then its last known IP (a router with a static ARP entry can forward it), each on every port. The list
 * is de-duplicated and keeps that order, so the hub's defaults go first.
 */
export function planWolTargets(input: WolPlanInput): WolTarget[] {
  if (input.machineTargets && input.machineTargets.length > 0) return [...input.machineTargets];
  const ports = input.ports ?? DEFAULT_WOL_PORTS;
  const hosts = input.networks.map(directedBroadcast).filter((h): h is string => h !== null);
  if (input.lastIp) hosts.push(input.lastIp);
  const candidates = [...input.hubTargets, ...hosts.flatMap((host) => ports.map((port) => ({ host, port })))];
  const seen = new Set<string>();
  return candidates.filter((target) => {
    const key = formatWolTarget(target).toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
