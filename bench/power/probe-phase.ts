import path from 'node:path';
import { silentLogger } from '../../src/common/logger.js';
import { projectRoot } from '../../src/common/version.js';
import { openDatabase } from '../../src/hub/db/database.js';
import { loadMigrations, migrate } from '../../src/hub/db/migrations.js';
import { createEventBus } from '../../src/hub/events.js';
import { createMachineStore, type MachineStore } from '../../src/hub/registry/machines.js';
import type { PowerMachines } from '../../src/power/ports.js';
import type { Machine } from '../../src/hub/registry/machine.js';
import type { PowerConfig } from '../../src/power/config.js';
import { createProber } from '../../src/power/prober.js';
import { withTimeout } from '../fleet/with-timeout.js';

/** What a probe target is set up to look like. */
export type PortKind = 'open' | 'refused' | 'silent';

/** One machine of the sweep: its name, its only probe port, and what that port does. */
export interface ProbeTarget {
  name: string;
  port: number;
  kind: PortKind;
}

/** One timed `prober.sweep()`. */
export interface SweepResult {
  concurrency: number;
  machines: number;
  /** What sweep() returned: the machines it probed. */
  probed: number;
  ms: number;
  /** From the sweep's start until the first machine of each kind was recorded (null: none was). */
  firstRecordedMs: Record<PortKind, number | null>;
  /** From the sweep's start until the last machine of each kind was recorded (null: none was). */
  lastRecordedMs: Record<PortKind, number | null>;
  /** This process's CPU (one core = 100) during the sweep. */
  cpuPct: number;
  /** Machines whose recorded power state and evidence match their port. */
  correct: number;
  /** Recorded states: awake with "open" evidence, awake with "refused" evidence, off, anything else. */
  counts: { awakeOpen: number; awakeRefused: number; off: number; other: number };
  /** Up to five misclassified machines, for the report. */
  mismatches: string[];
}

/** Machines named m0001... whose kinds go open, refused, silent in turn, so every stretch of the sweep mixes them. */
export function probeTargets(ports: Record<PortKind, number[]>, count: number): ProbeTarget[] {
  const kinds: PortKind[] = ['open', 'refused', 'silent'];
  return Array.from({ length: count }, (_, i) => {
    const kind = kinds[i % 3] as PortKind;
    const port = ports[kind][Math.floor(i / 3)];
    if (port === undefined) throw new Error(`not enough ${kind} ports for ${count} machines`);
    return { name: `m${String(i + 1).padStart(4, '0')}`, port, kind };
  });
}

function matches(m: Machine, t: ProbeTarget): boolean {
  const evidence = m.powerEvidence ?? '';
  switch (t.kind) {
    case 'open':
      return m.powerState === 'awake' && evidence.startsWith(`TCP ${t.port} open`);
    case 'refused':
      return m.powerState === 'awake' && evidence.startsWith(`TCP ${t.port} refused`);
    case 'silent':
      return m.powerState === 'off' && evidence.startsWith('no answer');
  }
}

/**
 * Registers `targets` in a fresh SQLite registry (`dbFile`), each with `{ ip: '127.0.0.1', probePorts: [port] }`,
 * then times one `prober.sweep()` (the periodic sweep's own path: every offline machine, `mapLimit` at the
 * configured concurrency) and checks what it recorded for every machine.
 */
export async function timeSweep(targets: ProbeTarget[], config: Readonly<PowerConfig>, dbFile: string, timeoutMs: number): Promise<SweepResult> {
  const db = openDatabase(dbFile);
  try {
    migrate(db, loadMigrations(path.join(projectRoot, 'migrations')));
    const machines = createMachineStore(db);
    db.transaction(() => {
      for (const t of targets) machines.create(t.name, { ip: '127.0.0.1', probePorts: [t.port] });
    })();
    const log = silentLogger();
    const bus = createEventBus(log);
    const prober = createProber({
      machines: { ...pick(machines), pinHostKey: (id, fingerprint) => machines.updateCapabilities(id, { sshHostKey: fingerprint }) },
      bus,
      config,
      log,
      isLinked: () => false,
      sweep: false,
    });
    const kindOf = new Map(targets.map((t) => [t.name, t.kind]));
    const firstRecordedMs: Record<PortKind, number | null> = { open: null, refused: null, silent: null };
    const lastRecordedMs: Record<PortKind, number | null> = { open: null, refused: null, silent: null };

    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    // Each recorded state is an event: when the last one of a kind arrives shows where the sweep's time goes.
    const off = bus.on('machine.power', (e) => {
      const kind = kindOf.get(e.machine);
      if (!kind) return;
      const at = performance.now() - t0;
      firstRecordedMs[kind] ??= at;
      lastRecordedMs[kind] = at;
    });
    let probed: number;
    try {
      probed = await withTimeout(prober.sweep(), timeoutMs, `the sweep at concurrency ${config.probeConcurrency} took over ${timeoutMs} ms`);
    } finally {
      off();
      prober.close();
    }
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpuPct = ((cpu.user + cpu.system) / 1000 / ms) * 100;

    const byName = new Map(machines.list().map((m) => [m.name, m]));
    const counts = { awakeOpen: 0, awakeRefused: 0, off: 0, other: 0 };
    const mismatches: string[] = [];
    let correct = 0;
    for (const t of targets) {
      const m = byName.get(t.name);
      const evidence = m?.powerEvidence ?? '';
      if (m?.powerState === 'awake' && / open/.test(evidence)) counts.awakeOpen++;
      else if (m?.powerState === 'awake' && / refused/.test(evidence)) counts.awakeRefused++;
      else if (m?.powerState === 'off') counts.off++;
      else counts.other++;
      if (m && matches(m, t)) correct++;
      else if (mismatches.length < 5) mismatches.push(`${t.name} (${t.kind}, port ${t.port}): ${m?.powerState ?? 'missing'}: ${evidence}`);
    }
    return { concurrency: config.probeConcurrency, machines: targets.length, probed, ms, firstRecordedMs, lastRecordedMs, cpuPct, correct, counts, mismatches };
  } finally {
    db.close();
  }
}

/**
 * How many of `targets` (taken from the front, so the mix is kept) a sweep at `concurrency` can probe within
 * `budgetMs`. Silent machines hold a slot for the whole probe timeout and the others take about a millisecond,
 * so the estimate is the number of rounds of silent machines times the timeout.
 */
export function affordableMachines(targets: ProbeTarget[], concurrency: number, timeoutMs: number, budgetMs: number): number {
  let silent = 0;
  for (let k = 0; k < targets.length; k++) {
    if (targets[k]?.kind === 'silent') silent++;
    if (Math.ceil(silent / concurrency) * timeoutMs > budgetMs) return Math.max(3, k - (k % 3));
  }
  return targets.length;
}

/** The registry's reads and power-state writes, as the prober declares it needs them. */
function pick(machines: MachineStore): Omit<PowerMachines, 'pinHostKey'> {
  return {
    get: (name) => machines.get(name),
    byId: (id) => machines.byId(id),
    listByStatus: (status) => machines.listByStatus(status),
    setPowerState: (id, state, evidence) => machines.setPowerState(id, state, evidence),
  };
}
