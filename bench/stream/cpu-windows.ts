import { readMemory } from '../fleet/proc-stats.js';
import { machineJiffies, readCpuTimes, type CpuTimes } from './proc.js';
import type { CpuFigures } from './result.js';
import type { Sample } from './sampler.js';

/** One reading of the hub and its workers: memory, CPU times, and the machine's jiffies. */
export interface ProcReading {
  rssBytes: number;
  hub: CpuTimes;
  workers: CpuTimes;
  /** This benchmark process itself (its polling and sampling). */
  bench: CpuTimes;
  machine: { busy: number; total: number };
}

/** Reads the hub's memory and the CPU times of the hub, the workers and the machine, now. */
export function readProcs(hubPid: number, workerPids: readonly number[]): ProcReading {
  const own = process.cpuUsage();
  return {
    rssBytes: readMemory(hubPid).rssBytes,
    hub: readCpuTimes([hubPid]),
    workers: readCpuTimes(workerPids),
    bench: { user: own.user / 1e6, system: own.system / 1e6 },
    machine: machineJiffies(),
  };
}

/**
 * CPU between the first reading at or after `from` and the last at or before `to` (readings every 500 ms, so a
 * window is exact to about that). Undefined when fewer than two readings fall in it.
 */
export function cpuWindow(samples: readonly Sample<ProcReading>[], from: number, to: number): CpuFigures | undefined {
  const inside = samples.filter((s) => s.at >= from && s.at <= to);
  const a = inside[0];
  const b = inside[inside.length - 1];
  if (!a || !b || b.at <= a.at) return undefined;
  const seconds = (b.at - a.at) / 1000;
  const pct = (x: number) => (x / seconds) * 100;
  const total = b.value.machine.total - a.value.machine.total;
  return {
    seconds,
    hubPct: pct(b.value.hub.user + b.value.hub.system - a.value.hub.user - a.value.hub.system),
    hubSysPct: pct(b.value.hub.system - a.value.hub.system),
    workersPct: pct(b.value.workers.user + b.value.workers.system - a.value.workers.user - a.value.workers.system),
    workersSysPct: pct(b.value.workers.system - a.value.workers.system),
    benchPct: pct(b.value.bench.user + b.value.bench.system - a.value.bench.user - a.value.bench.system),
    machineBusyPct: total > 0 ? ((b.value.machine.busy - a.value.machine.busy) / total) * 100 : 0,
  };
}
