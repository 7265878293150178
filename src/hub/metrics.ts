import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StorageView } from '../protocol/api.js';
import type { EventBus } from './events.js';
import type { MachineStore } from './registry/machines.js';

/** The hub's Prometheus metrics, on a registry of its own (several hubs can live in one test process). */
export interface HubMetrics {
  registry: Registry;
  handshakesRefused: Counter<'reason'>;
  /** Linked workers' connections failed for a bad frame, by fault. */
  linkFaults: Counter<'reason'>;
  /** Messages from linked workers that the hub would not act on (another machine's task, a finished task), by type and reason. */
  messagesRefused: Counter<'type' | 'reason'>;
  linkedWorkers: Gauge;
  /** Seconds from a worker reading output to the hub publishing it (stored and acknowledged). */
  outputLatency: Histogram;
  /** Output bytes stored. */
  outputBytes: Counter;
  /** Output blocks stored uncompressed because compression failed, and output batches that could not be written. */
  outputFailures: Counter<'what'>;
}

/**
 * Creates the metrics. Machine counts are read from the registry when scraped, so they are never stale;
 * events are counted per type from the bus.
 */
export function createMetrics(deps: { bus: EventBus; machines: MachineStore; linkedCount: () => number; storage?: () => StorageView }): HubMetrics {
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
  const linkFaults = new Counter({
    name: 'pia_link_faults_total',
    help: 'Links of authenticated workers closed for a bad frame, by fault',
    labelNames: ['reason'],
    registers: [registry],
  });
  const messagesRefused = new Counter({
    name: 'pia_link_messages_refused_total',
    help: 'Messages from linked workers the hub refused to act on, by message type and reason',
    labelNames: ['type', 'reason'],
    registers: [registry],
  });
  const events = new Counter({
    name: 'pia_events_total',
    help: 'Events published on the hub bus, by type',
    labelNames: ['type'],
    registers: [registry],
  });
  deps.bus.onAny((e) => events.inc({ type: e.name }));
  const outputLatency = new Histogram({
    name: 'pia_output_latency_seconds',
    help: "Time from a worker reading task output to the hub publishing it, stored",
    buckets: [0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const outputBytes = new Counter({ name: 'pia_output_bytes_total', help: 'Task output bytes stored', registers: [registry] });
  const outputFailures = new Counter({
    name: 'pia_output_failures_total',
    help: 'Output blocks stored as they are because compression failed (what="compress"), and output writes that failed and are retried (what="store")',
    labelNames: ['what'],
    registers: [registry],
  });
  if (deps.storage) {
    const storage = deps.storage;
    new Gauge({
      name: 'pia_output_kept_bytes',
      help: 'Task output the hub keeps, before compression (output retention removes finished tasks\' output)',
      registers: [registry],
      collect() {
        this.set(storage().outputKeptBytes);
      },
    });
    new Gauge({
      name: 'pia_output_disk_bytes',
      help: 'The disk kept task output takes (compressed blocks)',
      registers: [registry],
      collect() {
        this.set(storage().outputDiskBytes);
      },
    });
    new Gauge({
      name: 'pia_database_bytes',
      help: "The hub's SQLite files: the database (file=\"db\"), its write-ahead log (file=\"wal\"), free pages inside the database (file=\"free\")",
      labelNames: ['file'],
      registers: [registry],
      collect() {
        const s = storage();
        this.set({ file: 'db' }, s.databaseBytes);
        this.set({ file: 'wal' }, s.walBytes);
        this.set({ file: 'free' }, s.freeBytes);
      },
    });
  }
  // Everything the hub does runs on one event loop: a long synchronous step (a big SQLite commit, say) delays every
  // link, request and event behind it. The longest delay since the previous scrape shows such stalls.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  new Gauge({
    name: 'pia_event_loop_delay_max_seconds',
    help: "Longest event-loop delay since the previous scrape (10 ms resolution)",
    registers: [registry],
    collect() {
      this.set(loopDelay.max / 1e9);
      loopDelay.reset();
    },
  });
  return { registry, handshakesRefused, linkFaults, messagesRefused, linkedWorkers, outputLatency, outputBytes, outputFailures };
}
