import os from 'node:os';
import type { StreamArgs } from './args.js';
import { machineInfo, type MachineInfo } from '../fleet/report.js';
import { round } from '../fleet/stats.js';
import type { CpuFigures, RunResult, StreamResults } from './result.js';

export { machineInfo };

/** The 1-minute load average when the run began: other work on the machine skews every figure here. */
export function loadAverage(): number {
  return round(os.loadavg()[0] ?? NaN, 2);
}

/** The stream targets (issue 17), held in every run. */
export const TARGETS = { minMBps: 50, minRatioPct: 80, maxP99Ms: 50, maxStallMs: 100, maxDiskRatio: 1.2, maxFanoutMs: 1000 } as const;

interface Check {
  name: string;
  /** undefined: the phase it needs did not run (not judged). */
  ok(r: RunResult): boolean | undefined;
}

const ratioPct = (r: RunResult) => (r.pia && r.raw ? (r.pia.overallMBps / r.raw.overallMBps) * 100 : undefined);

const runChecks: Check[] = [
  { name: `PIA stores >= ${TARGETS.minMBps} MB/s`, ok: (r) => (r.pia ? r.pia.overallMBps >= TARGETS.minMBps : undefined) },
  { name: `PIA >= ${TARGETS.minRatioPct} % of the raw forwarder`, ok: (r) => { const p = ratioPct(r); return p === undefined ? undefined : p >= TARGETS.minRatioPct; } },
  { name: `output latency p99 <= ${TARGETS.maxP99Ms} ms`, ok: (r) => (r.pia ? !r.pia.latency.p99Beyond && r.pia.latency.p99Ms <= TARGETS.maxP99Ms : undefined) },
  { name: `no hub event-loop stall over ${TARGETS.maxStallMs} ms`, ok: (r) => (r.pia ? r.pia.loopDelayMaxMs <= TARGETS.maxStallMs : undefined) },
  {
    name: `database + WAL <= ${TARGETS.maxDiskRatio}x the output, at the end and at the peak`,
    ok: (r) => (r.pia ? r.pia.disk.endRatio <= TARGETS.maxDiskRatio && r.pia.disk.peakRatio <= TARGETS.maxDiskRatio : undefined),
  },
  { name: 'hub RSS flat as output grows', ok: (r) => (r.pia ? r.pia.rss.flat : undefined) },
  { name: 'every task succeeded and every byte stored once', ok: (r) => (r.pia ? r.pia.mismatches.length === 0 && r.pia.errors.length === 0 : undefined) },
  { name: 'raw baseline complete (no loss)', ok: (r) => (r.raw ? r.raw.mismatches.length === 0 && r.raw.errors.length === 0 : undefined) },
];

const fanoutName = `deploy fan-out dispatched within ${TARGETS.maxFanoutMs} ms`;
const fanoutOk = (r: StreamResults) => (r.fanout ? r.fanout.assigns === r.fanout.machines && r.fanout.lastAssignMs <= TARGETS.maxFanoutMs : undefined);

/** The targets missed, with the run that missed them (a phase that could not run at all counts as missed). */
export function missedTargets(r: StreamResults): string[] {
  const many = r.runs.length > 1;
  const missed = r.runs.flatMap((run, i) => runChecks.filter((c) => c.ok(run) === false).map((c) => (many ? `run ${i + 1}: ${c.name}` : c.name)));
  if (fanoutOk(r) === false) missed.push(fanoutName);
  return [...missed, ...r.failures.map((f) => `${f.run ? `run ${f.run}: ` : ''}${f.phase} not measured`)];
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
  const runs = r.runs.map((run) => ({
    piaOfRawPct: ratioPct(run) ?? null,
    pia: run.pia && { ...run.pia, latency: { ...run.pia.latency, source: 'histogram buckets, linear interpolation' } },
    raw: run.raw,
  }));
  return JSON.stringify(
    roundDeep({ bench: 'stream', at: new Date().toISOString(), machine, settings: args, targets: TARGETS, runs, fanout: r.fanout, failures: r.failures, missed: missedTargets(r) }),
  );
}

const verdict = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? ' pass' : ' FAIL');
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : 'n/a');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');

/** One row of the table: a label, a value per run, and the target. */
type Row = [string, string[], string];

function runRows(runs: RunResult[]): Row[] {
  const ok = (run: RunResult, name: string) => runChecks.find((c) => c.name.startsWith(name))!.ok(run);
  const rows: Row[] = [];
  const each = (label: string, value: (run: RunResult) => string | null | undefined, target: string) => {
    const values = runs.map((run) => value(run) ?? '-');
    if (values.some((v) => v !== '-')) rows.push([label, values, target]);
  };
  each('PIA stored, overall (MB/s)', (r) => r.pia && `${f1(r.pia.overallMBps)}${verdict(ok(r, 'PIA stores'))}`, `>= ${TARGETS.minMBps} MB/s`);
  each('PIA stored, steady window (MB/s)', (r) => r.pia && f1(r.pia.steadyMBps), 'info');
  each('raw ws forwarder, overall / steady (MB/s)', (r) => r.raw && `${f1(r.raw.overallMBps)} / ${f1(r.raw.steadyMBps)}`, 'info');
  each('PIA / raw (overall)', (r) => { const p = ratioPct(r); return p === undefined ? undefined : `${f0(p)} %${verdict(ok(r, 'PIA >='))}`; }, `>= ${TARGETS.minRatioPct} %`);
  const ms = (v: number, beyond: boolean) => `${beyond ? '>' : ''}${f1(v)}`;
  each('latency p50 / p99 (ms, histogram buckets)', (r) => r.pia && `${ms(r.pia.latency.p50Ms, r.pia.latency.p50Beyond)} / ${ms(r.pia.latency.p99Ms, r.pia.latency.p99Beyond)}${verdict(ok(r, 'output latency'))}`, `p99 <= ${TARGETS.maxP99Ms} ms`);
  each('  the same in the steady window (ms)', (r) => r.pia && `${ms(r.pia.latency.steadyP50Ms, false)} / ${ms(r.pia.latency.steadyP99Ms, false)}`, 'info');
  each('hub event loop: longest stall (ms)', (r) => r.pia && `${f0(r.pia.loopDelayMaxMs)}${verdict(ok(r, 'no hub event-loop'))}`, `<= ${TARGETS.maxStallMs} ms`);
  each('database + WAL / output: end; peak', (r) => r.pia && `${f2(r.pia.disk.endRatio)}; ${f2(r.pia.disk.peakRatio)}${verdict(ok(r, 'database + WAL'))}`, `<= ${TARGETS.maxDiskRatio}x`);
  each('database + WAL: end / peak (MB)', (r) => r.pia && `${f0(r.pia.disk.endMb)} / ${f0(r.pia.disk.peakMb)}`, 'info');
  each('hub RSS start/base/mid/end/max (MB)', (r) => r.pia && `${[r.pia.rss.startMb, r.pia.rss.baselineMb, r.pia.rss.middleMb, r.pia.rss.endMb, r.pia.rss.maxMb].map(f0).join('/')}${verdict(r.pia.rss.flat)}`, 'flat');
  each('tasks succeeded; byte mismatches', (r) => r.pia && `${r.pia.states.succeeded ?? 0}/${r.pia.tasks}; ${r.pia.mismatches.length}${verdict(ok(r, 'every task'))}`, 'all; 0');
  each('stored (MB)', (r) => r.pia && f0(r.pia.storedBytes / 1e6), 'info');
  const cpu = (c: CpuFigures | null) => (c ? `${f0(c.hubPct)} (${f0(c.hubSysPct)}) / ${f0(c.workersPct)} (${f0(c.workersSysPct)}) / ${f0(c.machineBusyPct)} %` : 'n/a');
  each('CPU while agents write: hub/workers/machine', (r) => r.pia && cpu(r.pia.cpu.writing), 'info: % core (sys); machine % of all');
  each('CPU while the hub drains: hub/workers/machine', (r) => r.pia && cpu(r.pia.cpu.draining), 'info');
  each('CPU whole phase: agents / other (% core)', (r) => r.pia && `${f0(r.pia.cpu.agentsPct)} / ${f0(r.pia.cpu.otherPct)}`, 'info: other = kernel, other users');
  each('hub backlog after the agents ended (s)', (r) => r.pia && f1(r.pia.drainS), 'info');
  each('creating the tasks (ms); spread of starts (s)', (r) => r.pia && `${f0(r.pia.createMs)}; ${f1(r.pia.startSpreadS)}`, 'info');
  each('raw CPU forwarders/sink/agents/other', (r) => r.raw && `${f0(r.raw.cpu.forwardersPct)} / ${f0(r.raw.cpu.sinkPct)} / ${f0(r.raw.cpu.agentsPct)} / ${f0(r.raw.cpu.otherPct)}`, 'info: % core');
  each('load average at the start of the PIA phase', (r) => r.pia && f1(r.pia.loadAtStart), 'info: near 0 for figures that count');
  return rows;
}

/** A short table for a person: measured value per run, pass/FAIL and the target. */
export function humanTable(r: StreamResults, args: StreamArgs, machine: MachineInfo & { loadAtStart: number }): string {
  const rows = runRows(r.runs);
  const { fanout } = r;
  if (fanout) {
    rows.push([`fan-out to ${fanout.machines}: last task.assign (ms)`, [`${fanout.lastAssignMs}${verdict(fanoutOk(r))}`], `<= ${TARGETS.maxFanoutMs} ms`]);
    rows.push(['fan-out: POST /api/tasks / first assign (ms)', [`${fanout.postMs} / ${fanout.firstAssignMs}`], 'info']);
  }
  const width = 46;
  const col = Math.max(26, ...rows.flatMap(([, values]) => values.map((v) => v.length + 2)));
  const runs = r.runs.length;
  const lines = [
    `Stream benchmark: ${machine.cpus} cores (${machine.cpuModel}), Node ${machine.node}, load ${machine.loadAtStart} at start; ` +
      `${args.tasks} tasks x ${args.seconds} s on ${args.workers} workers${args.rate ? ` at ${args.rate / 1e6} MB/s in all` : ''}; fan-out ${args.fanout}`,
    'measure'.padEnd(width) + (runs > 1 ? r.runs.map((_, i) => `run ${i + 1}`.padEnd(col)).join('') : 'measured'.padEnd(col)) + 'target',
    ...rows.map(([label, values, target]) => label.padEnd(width) + values.map((v) => v.padEnd(col)).join('') + ' '.repeat(col * Math.max(0, runs - values.length)) + target),
  ];
  for (const [i, run] of r.runs.entries()) {
    const tag = runs > 1 ? `run ${i + 1}: ` : '';
    for (const e of [...(run.pia?.errors ?? []), ...(run.raw?.errors ?? [])]) lines.push(`! ${tag}${e}`);
    for (const m of [...(run.pia?.mismatches ?? []), ...(run.raw?.mismatches ?? [])].slice(0, 10)) lines.push(`! ${tag}MISMATCH: ${m}`);
  }
  for (const e of fanout?.errors ?? []) lines.push(`! ${e}`);
  for (const f of r.failures) lines.push(`! ${f.run ? `run ${f.run}: ` : ''}${f.phase}: not measured: ${f.error}`);
  const missed = missedTargets(r);
  lines.push(missed.length ? `Targets missed: ${missed.join('; ')}` : `All targets met${runs > 1 ? ` in all ${runs} runs` : ''}.`);
  return lines.join('\n');
}
