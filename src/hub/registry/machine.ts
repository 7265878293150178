import type { Facts } from '../../protocol/facts.js';
import type { Capabilities } from './capabilities.js';

/** Is the machine's worker linked and heartbeating right now. */
export type MachineStatus = 'online' | 'offline';

import type { PowerState } from '../../power/power-state.js';

/** A machine of the fleet, as the registry holds it. */
export interface Machine {
  id: number;
  name: string;
  aliases: string[];
  status: MachineStatus;
  powerState: PowerState;
  /** When the power state was set (ISO 8601). */
  powerStateAt: string | null;
  /** What set the power state ("worker linked", "TCP 22 answered", ...). */
  powerEvidence: string | null;
  /** Last heartbeat or link (ISO 8601). */
  lastSeen: string | null;
  facts: Facts | null;
  capabilities: Capabilities;
  createdAt: string;
}
