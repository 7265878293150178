import type { PowerTarget } from './ports.js';

/** The networks a machine was last seen on (its non-loopback interfaces), as CIDRs. */
export function networksOf(machine: PowerTarget): string[] {
  return [...new Set((machine.facts?.interfaces ?? []).filter((i) => !i.internal).map((i) => i.cidr))];
}

/** The relays chosen for a wake, and the network they share with the target. */
export interface RelayChoice {
  relays: PowerTarget[];
  /** The target's networks, for the progress message. */
  networks: string[];
}

/**
 * Picks up to `max` online machines on the target's last known network(s) to send its magic packets from there:
 * a broadcast does not cross a router or a VPN, but a peer on the same LAN can send it. Peers behind the same
 * gateway come first (same subnet numbers can exist on two different LANs; the gateway tells them apart).
 */
export function chooseRelays(target: PowerTarget, online: PowerTarget[], max = 2): RelayChoice {
  const networks = networksOf(target);
  const gateway = target.facts?.gateway ?? null;
  const candidates = online
    .filter((m) => m.id !== target.id && m.status === 'online')
    .map((m) => ({ m, shared: networksOf(m).filter((n) => networks.includes(n)).length, sameGateway: gateway !== null && m.facts?.gateway === gateway }))
    .filter((c) => c.shared > 0 && (gateway === null || c.m.facts?.gateway == null || c.sameGateway))
    .sort((a, b) => Number(b.sameGateway) - Number(a.sameGateway) || b.shared - a.shared || a.m.name.localeCompare(b.m.name));
  return { relays: candidates.slice(0, max).map((c) => c.m), networks };
}
