import os from 'node:os';
import type { StreamArgs } from './args.js';
import { machineInfo, type MachineInfo } from '../fleet/report.js';
import { round } from '../fleet/stats.js';
import type { CpuFigures, StreamResults } from './result.js';

export { machineInfo };

/** The 1-minute load average when the run began: other work on the machine skews every figure here. */
export function loadAverage(): number {
  return round(os.loadavg()[0] ?? NaN, 2);
}

/** The stream targets on this machine. */
export const TARGETS = { minMBps: 50, minRatioPct: 50, maxP99Ms: 50, maxFanoutMs: 1000 } as const;

interface Check {
  name: string;
  /** undefined: the phase it needs did not run (not judged). */
  ok(r: StreamResults): boolean | undefined;
}

const ratioPct = (r: StreamResults) => (r.pia && r.raw ? (r.pia.overallMBps / r.raw.overallMBps) * 100 : undefined);

const checks: Check[] = [
  { name: `PIA stores >= ${TARGETS.minMBps} MB/s`, ok: (r) => (r.pia ? r.pia.overallMBps >= TARGETS.minMBps : undefined) },
  { name: `PIA >= ${TARGETS.minRatioPct} % of the raw forwarder`, ok: (r) => { const p = ratioPct(r); return p === undefined ? undefined : p >= TARGETS.minRatioPct; } },
  { name: `output latency p99 <= ${TARGETS.maxP99Ms} ms`, ok: (r) => (r.pia ? !r.pia.latency.p99Beyond && r.pia.latency.p99Ms <= TARGETS.maxP99Ms : undefined) },
  { name: 'hub RSS flat as output grows', ok: (r) => (r.pia ? r.pia.rss.flat : undefined) },
  { name: 'every task succeeded and every byte stored once', ok: (r) => (r.pia ? r.pia.mismatches.length === 0 && r.pia.errors.length === 0 : undefined) },
  { name: 'raw baseline complete (no loss)', ok: (r) => (r.raw ? r.raw.mismatches.length === 0 && r.raw.errors.length === 0 : undefined) },
  {
    name: `deploy fan-out dispatched within ${TARGETS.maxFanoutMs} ms`,
    ok: (r) => (r.fanout ? r.fanout.assigns === r.fanout.machines && r.fanout.lastAssignMs <= TARGETS.maxFanoutMs : undefined),
  },
];

/** The targets missed (a phase that could not run at all counts as missed). */
export function missedTargets(r: StreamResults): string[] {
  return [...checks.filter((c) => c.ok(r) === false).map((c) => c.name), ...r.failures.map((f) => `${f.phase} not measured`)];
}

/** Rounds every fractional number to two decimals, so the JSON line stays readable. */
function roundDeep(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) || !Number.isFinite(value) ? value : round(value, 2);
  if (Array.isArray(value)) return value.map(roundDeep);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundDeep(v)]));
  return value;
}

/** Everything as one JSON line. */
export function jsonLine(r: StreamResults, args: StreamArgs, machine: MachineInfo & { loadAtStart: number }): string {
  const ratio = ratioPct(r);
  const pia = r.pia && { ...r.pia, latency: { ...r.pia.latency, source: 'histogram buckets, linear interpolation' } };
  return JSON.stringify(
    roundDeep({
      bench: 'stream',
      at: new Date().toISOString(),
      machine,
      settings: args,
      targets: TARGETS,
      piaOfRawPct: ratio ?? null,
      pia,
      raw: r.raw,
      fanout: r.fanout,
      failures: r.failures,
      missed: missedTargets(r),
    }),
  );
}

const verdict = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? ' pass' : ' FAIL');
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : 'n/a');

/** A short table for a person: measured value, pass/FAIL and the target. */
export function humanTable(r: StreamResults, args: StreamArgs, machine: MachineInfo & { loadAtStart: number }): string {
  const ok = (name: string) => checks.find((c) => c.name.startsWith(name))!.ok(r);
  const rows: [string, string, string][] = [];
  const { pia, raw, fanout } = r;
  if (pia) {
    rows.push(['PIA stored, overall (MB/s)', `${f1(pia.overallMBps)}${verdict(ok('PIA stores'))}`, `>= ${TARGETS.minMBps} MB/s`]);
    rows.push(['PIA stored, steady window (MB/s)', f1(pia.steadyMBps), 'info']);
  }
  if (raw) rows.push(['raw ws forwarder, overall / steady (MB/s)', `${f1(raw.overallMBps)} / ${f1(raw.steadyMBps)}`, 'info']);
  const ratio = ratioPct(r);
  if (ratio !== undefined) rows.push(['PIA / raw (overall)', `${f0(ratio)} %${verdict(ok('PIA >='))}`, `>= ${TARGETS.minRatioPct} %`]);
  if (pia) {
    const l = pia.latency;
    const ms = (v: number, beyond: boolean) => `${beyond ? '>' : ''}${f1(v)}`;
    rows.push(['latency p50 / p99 (ms, histogram buckets)', `${ms(l.p50Ms, l.p50Beyond)} / ${ms(l.p99Ms, l.p99Beyond)}${verdict(ok('output latency'))}`, `p99 <= ${TARGETS.maxP99Ms} ms`]);
    rows.push(['  the same in the steady window (ms)', `${ms(l.steadyP50Ms, false)} / ${ms(l.steadyP99Ms, false)}`, 'info']);
    const m = pia.rss;
    rows.push(['hub RSS start/base/mid/end/max (MB)', `${[m.startMb, m.baselineMb, m.middleMb, m.endMb, m.maxMb].map(f0).join('/')}${verdict(m.flat)}`, 'flat']);
    const succeeded = pia.states.succeeded ?? 0;
    rows.push(['tasks succeeded; byte mismatches', `${succeeded}/${pia.tasks}; ${pia.mismatches.length}${verdict(ok('every task'))}`, `all; 0`]);
    const cpu = (c: CpuFigures | null) => (c ? `${f0(c.hubPct)} (${f0(c.hubSysPct)}) / ${f0(c.workersPct)} (${f0(c.workersSysPct)}) / ${f0(c.machineBusyPct)} %` : 'n/a');
    rows.push(['CPU while agents write: hub/workers/machine', cpu(pia.cpu.writing), `info: % core (sys); machine % of ${pia.cpu.cores}`]);
    rows.push(['CPU while the hub drains: hub/workers/machine', cpu(pia.cpu.draining), 'info']);
    rows.push(['CPU whole phase: agents / other (% core)', `${f0(pia.cpu.agentsPct)} / ${f0(pia.cpu.otherPct)}`, 'info: other = kernel, other users']);
    rows.push(['hub backlog after the agents ended (s)', f1(pia.drainS), 'info']);
    rows.push(['creating the tasks (ms); spread of starts (s)', `${f0(pia.createMs)}; ${f1(pia.startSpreadS)}`, 'info']);
    rows.push(['hub event loop: longest stall (ms)', f0(pia.loopDelayMaxMs), 'info']);
  }
  if (raw) {
    const c = raw.cpu;
    rows.push(['raw CPU forwarders/sink/agents/other', `${f0(c.forwardersPct)} / ${f0(c.sinkPct)} / ${f0(c.agentsPct)} / ${f0(c.otherPct)}`, 'info: % core']);
  }
  if (fanout) {
    rows.push([`fan-out to ${fanout.machines}: last task.assign (ms)`, `${fanout.lastAssignMs}${verdict(ok('deploy fan-out'))}`, `<= ${TARGETS.maxFanoutMs} ms`]);
    rows.push(['fan-out: POST /api/tasks / first assign (ms)', `${fanout.postMs} / ${fanout.firstAssignMs}`, 'info']);
  }
  const width = 46;
  const col = 26;
  const lines = [
    `Stream benchmark: ${machine.cpus} cores (${machine.cpuModel}), Node ${machine.node}, load ${machine.loadAtStart} at start; ` +
      `${args.tasks} tasks x ${args.seconds} s on ${args.workers} workers${args.rate ? ` at ${args.rate / 1e6} MB/s in all` : ''}; fan-out ${args.fanout}`,
    'measure'.padEnd(width) + 'measured'.padEnd(col) + 'target',
    ...rows.map(([label, value, target]) => label.padEnd(width) + value.padEnd(col) + target),
  ];
  for (const e of [...(pia?.errors ?? []), ...(raw?.errors ?? []), ...(fanout?.errors ?? [])]) lines.push(`! ${e}`);
  for (const m of [...(pia?.mismatches ?? []), ...(raw?.mismatches ?? [])].slice(0, 10)) lines.push(`! MISMATCH: ${m}`);
  for (const f of r.failures) lines.push(`! ${f.phase}: not measured: ${f.error}`);
  const missed = missedTargets(r);
  lines.push(missed.length ? `Targets missed: ${missed.join('; ')}` : 'All targets met.');
  return lines.join('\n');
}
