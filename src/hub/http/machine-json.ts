import type { MachineView } from '../../protocol/api.js';
import { learnedMac } from '../../wol/learned-mac.js';
import type { Machine } from '../registry/machine.js';

/** A machine as the API shows it (camelCase, no internal ids): the API's own shape. */
export type MachineJson = MachineView;

/**
 * The API view of a machine. `liveLastSeenMs` is the linked worker's newest heartbeat, which is fresher than the
 * batched value in SQLite.
 */
export function machineJson(m: Machine, liveLastSeenMs?: number): MachineJson {
  const learned = learnedMac(m.facts);
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
    ...(learned ? { learnedMac: learned } : {}),
  };
}
