import type { Machine } from '../registry/machine.js';

/** A machine as the API shows it (camelCase, no internal ids). */
export interface MachineJson {
  name: string;
  aliases: string[];
  status: Machine['status'];
  powerState: Machine['powerState'];
  powerStateAt: string | null;
  powerEvidence: string | null;
  lastSeen: string | null;
  facts: Machine['facts'];
  capabilities: Machine['capabilities'];
  createdAt: string;
  /** Its mail address, when the email gateway is on. */
  email?: string;
}

/**
 * The API view of a machine. `liveLastSeenMs` is the linked worker's newest heartbeat, which is fresher than the
 * batched value in SQLite.
 */
export function machineJson(m: Machine, liveLastSeenMs?: number): MachineJson {
  return {
    name: m.name,
    aliases: m.aliases,
    status: m.status,
    powerState: m.powerState,
    powerStateAt: m.powerStateAt,
    powerEvidence: m.powerEvidence,
    lastSeen: liveLastSeenMs !== undefined ? new Date(liveLastSeenMs).toISOString() : m.lastSeen,
    facts: m.facts,
    capabilities: m.capabilities,
    createdAt: m.createdAt,
  };
}
