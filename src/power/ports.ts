import type { Facts } from '../protocol/facts.js';
import type { HubMessage } from '../protocol/messages.js';
import type { PowerState } from './power-state.js';
import type { PowerProgress } from './progress.js';

/**
 * What the power manager needs from the rest of PIA, declared here where it is consumed. The hub implements it
 * (its registry, links, bus and audit log) and the composition root hands it over; power imports nothing of the hub.
 */

/** What an operator told PIA about a machine that matters for power: how to wake it and reach it over SSH. */
export interface PowerCapabilities {
  mac?: string;
  ip?: string;
  secureOn?: string;
  wolTargets?: string[];
  probePorts?: number[];
  sshHost?: string;
  sshUser?: string;
  sshPort?: number;
  /** Pinned host key fingerprint, `SHA256:<base64>`. */
  sshHostKey?: string;
  startCommand?: string[];
  workerPath?: string;
  os?: 'linux' | 'darwin' | 'win32';
  autoWake?: boolean;
}

/** A machine as power sees it. */
export interface PowerTarget {
  id: number;
  name: string;
  status: 'online' | 'offline';
  powerState: PowerState;
  facts: Facts | null;
  capabilities: PowerCapabilities;
}

/** The registry, as power reads and writes it. */
export interface PowerMachines {
  /** By name or alias; throws `machine_unknown`. */
  get(name: string): PowerTarget;
  byId(id: number): PowerTarget | undefined;
  listByStatus(status: 'online' | 'offline'): PowerTarget[];
  /** Records a power state with its evidence; true when it changed. */
  setPowerState(id: number, state: PowerState, evidence: string): boolean;
  /** Pins an SSH host key fingerprint. */
  pinHostKey(id: number, fingerprint: string): PowerTarget;
}

/** A request to a worker that it answers with `power.result`. */
export type PowerRequest = Extract<HubMessage, { type: 'power.wol' | 'power.command' }>;

/** The worker links, as power uses them. */
export interface PowerLinks {
  isLinked(machineId: number): boolean;
  /** Sends to a linked machine; false when it is not linked. */
  send(machineId: number, message: PowerRequest): boolean;
}

/** The event bus, as power uses it: the events it publishes, and the one it waits for. */
export interface PowerBus {
  emit(name: 'power.progress', data: PowerProgress): void;
  emit(name: 'machine.power', data: { machine: string; state: PowerState; evidence: string }): void;
  emit(name: 'machine.updated', data: { machine: string; what: 'capabilities' }): void;
  on(name: 'machine.online', listener: (data: { machine: string }) => void): () => void;
}

/** Who asked, for the audit log. */
export interface PowerActor {
  id: string;
  origin: string;
}

/** The audit log, as power writes it. */
export interface PowerAudit {
  record(entry: { actor: string; origin?: string | null; action: string; target?: string | null; outcome: 'ok' | 'refused' | 'failed'; detail?: string | null }): void;
  /** Runs `work` and records it as ok, or as failed with the error (rethrown). */
  around<T>(actor: PowerActor, action: string, target: string, work: () => T): T;
}

/** Everything the power manager is given. */
export interface PowerDeps {
  machines: PowerMachines;
  links: PowerLinks;
  bus: PowerBus;
  audit: PowerAudit;
}
