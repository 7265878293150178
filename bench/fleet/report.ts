import os from 'node:os';
import type { FleetArgs } from './args.js';
import type { SizeResult } from './result.js';
import { round } from './stats.js';

/** The fleet targets, stated for 10,000 workers; smaller fleets are held to the same limits. */
export const TARGETS = { registerS: 30, backS: 30, rssMb: 400, cpuPct: 15 } as const;

/** Where the benchmark ran. */
export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  kernel: string;
}

/** The machine this runs on: core count and model, memory, Node and kernel versions. */
export function machineInfo(): MachineInfo {
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGb: round(os.totalmem() / 1024 ** 3, 1),
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
  };
}

/** A size that could not be measured at all (the hub did not start, a process crashed). */
export interface SizeFailure {
  workers: number;
  error: string;
}

/** The results as one JSON line: ms rounded to whole, MB and % to one decimal. */
export function jsonLine(results: SizeResult[], failures: SizeFailure[], args: FleetArgs, machine: MachineInfo): string {
  const ms = (v: number | null) => (v === null ? null : Math.round(v));
  const sizes = results.map((r) => ({
    ...r,
    enrollMs: ms(r.enrollMs),
    registerMs: ms(r.registerMs),
    registerHubCpuPct: round(r.registerHubCpuPct),
    registerSimCpuPct: round(r.registerSimCpuPct),
    hubRssMb: round(r.hubRssMb),
    hubPeakAtRegisterMb: round(r.hubPeakAtRegisterMb),
    hubPeakRssMb: round(r.hubPeakRssMb),
    steadyCpuPct: round(r.steadyCpuPct, 2),
    machinesMedianMs: round(r.machinesMedianMs),
    machinesP99Ms: round(r.machinesP99Ms),
    restart: {
      ...r.restart,
      stopMs: ms(r.restart.stopMs),
      startMs: ms(r.restart.startMs),
      backMs: ms(r.restart.backMs),
      backAfterStartMs: ms(r.restart.backAfterStartMs),
      hubRssMb: round(r.restart.hubRssMb),
      hubCpuPct: round(r.restart.hubCpuPct),
    },
  }));
  return JSON.stringify({ bench: 'fleet', at: new Date().toISOString(), machine, settings: args, heartbeatS: 15, targets: TARGETS, sizes, failures });
}

interface Row {
  label: string;
  target: string;
  cell(r: SizeResult): string;
}

const verdict = (ok: boolean) => (ok ? 'pass' : 'FAIL');
const secs = (ms: number | null, limitS: number, linked: number, of: number) =>
  ms === null ? `FAIL (${linked}/${of})` : `${(ms / 1000).toFixed(2)} ${verdict(ms / 1000 <= limitS)}`;
/** Memory and CPU of a fleet that never fully registered say little: mark them. */
const partial = (r: SizeResult) => (r.registerMs === null ? ' (partial)' : '');

/** Each target, judged on one size's result. */
const checks: { name: string; ok(r: SizeResult): boolean }[] = [
  { name: `registered within ${TARGETS.registerS} s`, ok: (r) => r.registerMs !== null && r.registerMs <= TARGETS.registerS * 1000 },
  { name: `hub RSS <= ${TARGETS.rssMb} MB`, ok: (r) => r.hubRssMb <= TARGETS.rssMb },
  { name: `steady CPU <= ${TARGETS.cpuPct} % of a core`, ok: (r) => r.steadyCpuPct <= TARGETS.cpuPct },
  { name: `back within ${TARGETS.backS} s of a restart`, ok: (r) => r.restart.backMs !== null && r.restart.backMs <= TARGETS.backS * 1000 },
];

/** The targets each size missed, as "10000 workers: registered within 30 s". */
export function missedTargets(results: SizeResult[]): string[] {
  return results.flatMap((r) => checks.filter((c) => !c.ok(r)).map((c) => `${r.workers} workers: ${c.name}`));
}

const rows: Row[] = [
  { label: 'registered (s)', target: `<= ${TARGETS.registerS} s`, cell: (r) => secs(r.registerMs, TARGETS.registerS, r.registeredLinked, r.workers) },
  { label: 'hub RSS after registration (MB)', target: `<= ${TARGETS.rssMb} MB`, cell: (r) => `${r.hubRssMb.toFixed(0)} ${verdict(checks[1]!.ok(r))}${partial(r)}` },
  { label: 'hub peak RSS incl. API calls (MB)', target: 'info', cell: (r) => r.hubPeakRssMb.toFixed(0) },
  { label: 'hub CPU, steady heartbeats (% core)', target: `<= ${TARGETS.cpuPct} %`, cell: (r) => `${r.steadyCpuPct.toFixed(1)} ${verdict(checks[2]!.ok(r))}${partial(r)}` },
  { label: 'all back after hub restart (s)', target: `<= ${TARGETS.backS} s`, cell: (r) => secs(r.restart.backMs, TARGETS.backS, r.restart.linked, r.workers) },
  { label: 'listen-queue drops: register/restart', target: 'info', cell: (r) => `${r.registerListenDrops ?? '?'}/${r.restart.listenDrops ?? '?'}` },
  { label: 'GET /api/machines median (ms)', target: 'info', cell: (r) => r.machinesMedianMs.toFixed(0) },
  { label: 'GET /api/machines p99 (ms)', target: 'info', cell: (r) => r.machinesP99Ms.toFixed(0) },
];

/** A short table for a person: one column per fleet size, pass/FAIL against the targets in each cell. */
export function humanTable(results: SizeResult[], failures: SizeFailure[], machine: MachineInfo): string {
  const width = 38;
  const col = 20;
  const head = 'workers'.padEnd(width) + results.map((r) => r.workers.toLocaleString('en-US').padEnd(col)).join('') + 'target';
  const lines = [
    `Fleet benchmark: ${machine.cpus} cores (${machine.cpuModel}), Node ${machine.node}, heartbeat 15 s`,
    head,
    ...rows.map((row) => row.label.padEnd(width) + results.map((r) => row.cell(r).padEnd(col)).join('') + row.target),
  ];
  for (const r of results) for (const e of r.errors) lines.push(`! ${r.workers} workers: ${e}`);
  const missed = missedTargets(results);
  lines.push(missed.length ? `Targets missed: ${missed.join('; ')}` : results.length ? 'All targets met.' : 'Nothing measured.');
  for (const f of failures) lines.push(`! ${f.workers} workers: not measured: ${f.error}`);
  return lines.join('\n');
}
