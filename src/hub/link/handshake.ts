import { PiaError } from '../../common/errors.js';
import type { LinkAuth } from '../../protocol/messages.js';
import type { AuditLog } from '../registry/audit.js';
import type { CredentialStore } from '../registry/credentials.js';
import type { MachineStore } from '../registry/machines.js';
import type { Machine } from '../registry/machine.js';

/** The outcome of a good hello: the machine, and a new secret when a join token was exchanged. */
export interface Admitted {
  machine: Machine;
  secret?: string;
}

/**
 * Checks a hello's credential. Throws `LinkRefused` (unknown, used, expired, revoked, removed) with a reason for
 * the worker's operator; nothing is registered or marked online before this returns.
 */
export function admit(auth: LinkAuth, deps: { credentials: CredentialStore; machines: MachineStore; audit: AuditLog }): Admitted {
  if (auth.kind === 'join') {
    const { machineId, secret } = deps.credentials.exchangeJoinToken(auth.token, auth.name);
    const machine = requireMachine(deps.machines, machineId);
    deps.audit.record({ actor: `worker:${machine.name}`, action: 'machine.enroll', target: machine.name, outcome: 'ok', origin: 'link' });
    return { machine, secret };
  }
  const machineId = deps.credentials.authenticate(auth.secret);
  return { machine: requireMachine(deps.machines, machineId) };
}

function requireMachine(machines: MachineStore, id: number): Machine {
  const machine = machines.byId(id);
  if (!machine) throw new PiaError('link_refused', 'machine was removed from the fleet');
  return machine;
}
