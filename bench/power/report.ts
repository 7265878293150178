import { machineInfo, type MachineInfo } from '../fleet/report.js';
import { median, percentile, round } from '../fleet/stats.js';
import type { PowerArgs } from './args.js';
import type { SweepResult } from './probe-phase.js';
import type { PowerResult } from './result.js';
import type { WakeResult } from './wake-phase.js';

export { machineInfo };

/** The power targets. A wake is held to its target whatever the registry's size. */
export const TARGETS = { sweepS: 5, wakeToPacketMs: 50 } as const;

const verdict = (ok: boolean) => (ok ? 'pass' : 'FAIL');
const f1 = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v.toFixed(1) : '-');
const f2 = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v.toFixed(2) : '-');
const count = (n: number) => n.toLocaleString('en-US');

/** The median, p99 (nearest rank) and maximum of some timings, for the JSON line. */
function spread(ms: number[]) {
  return { n: ms.length, medianMs: round(median(ms), 2), p99Ms: round(percentile(ms, 99), 2), maxMs: round(ms.length ? Math.max(...ms) : NaN, 2) };
}

const sweepOk = (r: PowerResult, a: PowerArgs) => !!r.probe && r.probe.sweep.probed === a.machines && r.probe.sweep.ms <= TARGETS.sweepS * 1000;
const classifiedOk = (r: PowerResult, a: PowerArgs) => !!r.probe && r.probe.sweep.correct === a.machines;
const wakeOk = (w: WakeResult) => w.lost === 0 && w.toPacketMs.length === w.machines && percentile(w.toPacketMs, 99) <= TARGETS.wakeToPacketMs;

/** The targets a run missed, by name (a phase that was not measured misses its targets). */
export function missedTargets(r: PowerResult, args: PowerArgs): string[] {
  const missed: string[] = [];
  if (!sweepOk(r, args)) missed.push(`probe sweep of ${args.machines} machines within ${TARGETS.sweepS} s`);
  if (!classifiedOk(r, args)) missed.push('every machine classified right');
  for (const registry of args.registry) {
    const w = r.wake.find((x) => x.registry === registry);
    if (!w || !wakeOk(w)) missed.push(`wake -> first packet p99 <= ${TARGETS.wakeToPacketMs} ms, none lost, with ${count(registry)} other machines registered`);
  }
  return missed;
}

/** The results as one JSON line: timings in ms, rounded. */
export function jsonLine(r: PowerResult, args: PowerArgs, machine: MachineInfo): string {
  const byKind = (k: Record<string, number | null>) => Object.fromEntries(Object.entries(k).map(([kind, v]) => [kind, v === null ? null : Math.round(v)]));
  const sweep = <T extends SweepResult>(s: T) => ({ ...s, ms: Math.round(s.ms), cpuPct: round(s.cpuPct), firstRecordedMs: byKind(s.firstRecordedMs), lastRecordedMs: byKind(s.lastRecordedMs) });
  const probe = r.probe && {
    ...r.probe,
    sweep: sweep(r.probe.sweep),
    baseline: r.probe.baseline && { ...sweep(r.probe.baseline), estimatedFullMs: Math.round(r.probe.baseline.estimatedFullMs) },
  };
  const wake = r.wake.map((w) => ({
    machines: w.machines,
    registry: w.registry,
    listMs: w.listMs === null ? null : round(w.listMs, 1),
    toPacket: { ...spread(w.toPacketMs), firstMs: round(w.toPacketMs[0] ?? NaN, 2) },
    post: { ...spread(w.postMs), firstMs: round(w.postMs[0] ?? NaN, 2) },
    toOpStart: spread(w.toOpStartMs),
    opStartToPacket: spread(w.opStartToPacketMs),
    afterResponse: spread(w.afterResponseMs),
    packetBeforeResponse: w.packetBeforeResponse,
    lost: w.lost,
    packetsReceived: w.packetsReceived,
    opStates: w.opStates,
    hubLog: w.hubLog,
    errors: w.errors,
  }));
  const wol = r.wol && { runs: r.wol.runs, lost: r.wol.lost, ...spread(r.wol.ms), firstMs: round(r.wol.ms[0] ?? NaN, 3) };
  return JSON.stringify({ bench: 'power', at: new Date().toISOString(), machine, settings: args, targets: TARGETS, probe, wake, wol, errors: r.errors, missed: missedTargets(r, args) });
}

/** Lays rows out in padded columns; the first row is the header. */
function layout(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length + 2)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join(''));
}

function probeRows(r: PowerResult, args: PowerArgs): string[][] {
  const p = r.probe;
  if (!p) return [];
  const s = p.sweep;
  const at = (v: number | null) => (v === null ? '-' : String(Math.round(v)));
  const kinds = ['open', 'refused', 'silent'] as const;
  const rows = [
    ['probe (in-process prober)', 'value', 'target'],
    [`sweep, ${count(s.machines)} machines, concurrency ${s.concurrency} (s)`, `${(s.ms / 1000).toFixed(2)} ${verdict(sweepOk(r, args))}`, `<= ${TARGETS.sweepS} s`],
    ['classified right', `${s.correct}/${s.machines} ${verdict(classifiedOk(r, args))}`, 'all'],
    ['awake (open) / awake (refused) / off / other', `${s.counts.awakeOpen} / ${s.counts.awakeRefused} / ${s.counts.off} / ${s.counts.other}`, `${p.ports.open} / ${p.ports.refused} / ${p.ports.silent} / 0`],
    ['first open / refused / silent recorded at (ms)', kinds.map((k) => at(s.firstRecordedMs[k])).join(' / '), 'info'],
    ['last open / refused / silent recorded at (ms)', kinds.map((k) => at(s.lastRecordedMs[k])).join(' / '), 'info'],
    ['benchmark CPU during the sweep (% of a core)', f1(s.cpuPct), 'info'],
  ];
  const b = p.baseline;
  if (b) {
    const how = b.extrapolated ? `estimated: ${b.machines} swept in ${(b.ms / 1000).toFixed(1)} s` : `${b.correct}/${b.machines} right`;
    rows.push([`naive sweep, concurrency ${b.concurrency} (s)`, `${(b.estimatedFullMs / 1000).toFixed(1)} (${how})`, 'info']);
  }
  return rows;
}

function wakeRows(r: PowerResult): string[][] {
  if (r.wake.length === 0) return [];
  const row = (label: string, cell: (w: WakeResult) => string, target = 'info') => [label, ...r.wake.map(cell), target];
  return [
    ['wake via the hub: other machines registered', ...r.wake.map((w) => count(w.registry)), 'target'],
    row('wake -> first packet, median (ms)', (w) => f1(median(w.toPacketMs))),
    row('wake -> first packet, p99 (ms)', (w) => `${f1(percentile(w.toPacketMs, 99))} ${verdict(wakeOk(w))}`, `<= ${TARGETS.wakeToPacketMs} ms`),
    row('  first wake after the hub started (ms)', (w) => f1(w.toPacketMs[0])),
    row('POST /wake answered, median / p99 (ms)', (w) => `${f1(median(w.postMs))} / ${f1(percentile(w.postMs, 99))}`),
    row('  202 read -> packet, median / p99 (ms)', (w) => `${f1(median(w.afterResponseMs))} / ${f1(percentile(w.afterResponseMs, 99))}`),
    row('  op started in hub -> packet, median (ms, +-1)', (w) => f1(median(w.opStartToPacketMs))),
    row('machines.list() over the registry (ms)', (w) => (w.listMs === null ? '-' : f1(w.listMs))),
    row('packet before the 202 / lost', (w) => `${w.packetBeforeResponse}/${w.machines} / ${w.lost}`),
    row('operations ended cancelled', (w) => `${w.opStates.cancelled ?? 0}/${w.machines}`),
  ];
}

function wolRows(r: PowerResult): string[][] {
  const o = r.wol;
  if (!o) return [];
  return [
    ['WoL sender alone (in-process)', 'value', 'target'],
    [`sendBurst -> first packet, ${o.runs} runs, median / p99 (ms)`, `${f2(median(o.ms))} / ${f2(percentile(o.ms, 99))}`, 'info'],
    ['  first run, incl. binding the socket (ms) / lost', `${f2(o.ms[0])} / ${o.lost}`, 'info'],
  ];
}

/** A short table for a person: one line per figure, pass/FAIL against the targets. */
export function humanTable(r: PowerResult, args: PowerArgs, machine: MachineInfo): string {
  const lines = [`Power benchmark: ${machine.cpus} cores (${machine.cpuModel}), Node ${machine.node}, loopback only`];
  for (const section of [probeRows(r, args), wakeRows(r), wolRows(r)]) if (section.length) lines.push('', ...layout(section));
  lines.push('');
  for (const m of r.probe?.sweep.mismatches ?? []) lines.push(`! misclassified: ${m}`);
  for (const e of [...r.wake.flatMap((w) => w.errors), ...r.errors]) lines.push(`! ${e}`);
  const missed = missedTargets(r, args);
  lines.push(missed.length ? `Targets missed: ${missed.join('; ')}` : 'All targets met.');
  return lines.join('\n');
}
