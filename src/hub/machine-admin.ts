import { CloseCode } from '../protocol/close-codes.js';
import type { EventBus } from './events.js';
import type { LinkServer } from './link/link-server.js';
import type { AuditLog } from './registry/audit.js';
import type { CapabilitiesPatch, Capabilities } from './registry/capabilities.js';
import type { CredentialStore, IssuedJoinToken } from './registry/credentials.js';
import type { Machine } from './registry/machine.js';
import type { MachineStore } from './registry/machines.js';

/** Who asked, and from where: recorded in the audit log with every change. */
export interface Actor {
  id: string;
  origin: string;
}

/** The fleet's administrative changes: enroll, edit, revoke, remove. Each one is audited. */
export interface MachineAdmin {
  /** Registers a machine and issues its first join token. */
  add(actor: Actor, input: { name: string; capabilities?: Capabilities; aliases?: string[] }): { machine: Machine } & IssuedJoinToken;
  /** Issues a new join token for an existing machine (re-enrolment, a lost state dir). */
  issueJoinToken(actor: Actor, name: string): IssuedJoinToken;
  /** Merges capabilities and replaces aliases. */
  update(actor: Actor, name: string, patch: { capabilities?: CapabilitiesPatch; aliases?: string[] }): Machine;
  /** Revokes every credential of a machine and cuts its link; the machine stays registered. */
  revoke(actor: Actor, name: string): { revoked: number };
  /** Revokes, cuts the link and removes the machine from the registry. */
  remove(actor: Actor, name: string): { removed: string; revoked: number };
}

/** Creates the machine administration service. */
export function createMachineAdmin(deps: {
  machines: MachineStore;
  credentials: CredentialStore;
  audit: AuditLog;
  bus: EventBus;
  links: LinkServer;
  joinTokenTtlMs: number;
}): MachineAdmin {
  const { machines, credentials, audit, bus, links } = deps;

  return {
    /** Registers a machine and issues its first join token. */
    add(actor: Actor, input: { name: string; capabilities?: Capabilities; aliases?: string[] }): { machine: Machine } & IssuedJoinToken {
      return audit.around(actor, 'machine.add', input.name, () => {
        let machine = machines.create(input.name, input.capabilities);
        if (input.aliases?.length) {
          try {
            machine = machines.setAliases(machine.id, input.aliases);
          } catch (err) {
            machines.remove(machine.id);
            throw err;
          }
        }
        const token = credentials.issueJoinToken(machine, deps.joinTokenTtlMs);
        bus.emit('machine.registered', { machine: machine.name });
        return { machine, ...token };
      });
    },

    /** Issues a new join token for an existing machine (re-enrolment, a lost state dir). */
    issueJoinToken(actor: Actor, name: string): IssuedJoinToken {
      const machine = machines.get(name);
      return audit.around(actor, 'machine.join-token', machine.name, () => credentials.issueJoinToken(machine, deps.joinTokenTtlMs));
    },

    /** Merges capabilities and replaces aliases. */
    update(actor: Actor, name: string, patch: { capabilities?: CapabilitiesPatch; aliases?: string[] }): Machine {
      const machine = machines.get(name);
      return audit.around(actor, 'machine.update', machine.name, () => {
        let updated = machine;
        if (patch.capabilities) {
          updated = machines.updateCapabilities(machine.id, patch.capabilities);
          bus.emit('machine.updated', { machine: machine.name, what: 'capabilities' });
        }
        if (patch.aliases) {
          updated = machines.setAliases(machine.id, patch.aliases);
          bus.emit('machine.updated', { machine: machine.name, what: 'aliases' });
        }
        return updated;
      });
    },

    /** Revokes every credential of a machine and cuts its link; the machine stays registered. */
    revoke(actor: Actor, name: string): { revoked: number } {
      const machine = machines.get(name);
      return audit.around(actor, 'machine.revoke', machine.name, () => {
        const revoked = credentials.revokeAll(machine.id);
        links.disconnect(machine.id, CloseCode.revoked, 'credentials revoked by the operator');
        return { revoked };
      });
    },

    /** Revokes, cuts the link and removes the machine from the registry. */
    remove(actor: Actor, name: string): { removed: string; revoked: number } {
      const machine = machines.get(name);
      return audit.around(actor, 'machine.remove', machine.name, () => {
        const revoked = credentials.revokeAll(machine.id);
        links.disconnect(machine.id, CloseCode.revoked, 'machine removed from the fleet');
        machines.remove(machine.id);
        bus.emit('machine.removed', { machine: machine.name });
        return { removed: machine.name, revoked };
      });
    },
  };
}
