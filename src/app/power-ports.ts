import type { HubCore } from '../hub/hub-core.js';
import type { PowerDeps } from '../power/ports.js';

/** The hub's registry, links, bus and audit log, as the power manager declares it needs them. */
export function powerPortsOf(core: Pick<HubCore, 'machines' | 'links' | 'bus' | 'audit'>): PowerDeps {
  const { machines, links } = core;
  return {
    machines: {
      get: (name) => machines.get(name),
      byId: (id) => machines.byId(id),
      listByStatus: (status) => machines.listByStatus(status),
      setPowerState: (id, state, evidence) => machines.setPowerState(id, state, evidence),
      pinHostKey: (id, fingerprint) => machines.updateCapabilities(id, { sshHostKey: fingerprint }),
    },
    links: {
      isLinked: (id) => links.get(id) !== undefined,
      send(id, message) {
        const link = links.get(id);
        link?.send(message);
        return link !== undefined;
      },
    },
    bus: core.bus,
    audit: core.audit,
  };
}
