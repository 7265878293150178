import { Counter, Gauge, Registry } from 'prom-client';
import type { EventBus } from './events.js';
import type { MachineStore } from './registry/machines.js';

/** The hub's Prometheus metrics, on a registry of its own (several hubs can live in one test process). */
export interface HubMetrics {
  registry: Registry;
  handshakesRefused: Counter<'reason'>;
  linkedWorkers: Gauge;
}

/**
 * Creates the metrics. Machine counts are read from the registry when scraped, so they are never stale;
 * events are counted per type from the bus.
 */
export function createMetrics(deps: { bus: EventBus; machines: MachineStore; linkedCount: () => number }): HubMetrics {
  const registry = new Registry();
  new Gauge({
    name: 'pia_machines',
    help: 'Registered machines by status',
    labelNames: ['status'],
    registers: [registry],
    collect() {
      const counts = deps.machines.countByStatus();
      for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
    },
  });
  const linkedWorkers = new Gauge({
    name: 'pia_linked_workers',
    help: 'Workers linked to this hub right now',
    registers: [registry],
    collect() {
      this.set(deps.linkedCount());
    },
  });
  const handshakesRefused = new Counter({
    name: 'pia_handshakes_refused_total',
    help: 'Worker links refused at the handshake, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  const events = new Counter({
    name: 'pia_events_total',
    help: 'Events published on the hub bus, by type',
    labelNames: ['type'],
    registers: [registry],
  });
  deps.bus.onAny((e) => events.inc({ type: e.name }));
  return { registry, handshakesRefused, linkedWorkers };
}
