import type { MachineInfo } from '../fleet/report.js';

/** Latency of events into the page, in ms: after the page's handler, and at the next animation frame. */
export interface Latency {
  p50: number;
  p99: number;
  frameP50: number;
  frameP99: number;
  n: number;
}

/** Everything one run measured. */
export interface DashboardResult {
  machines: number;
  rate: number;
  minutes: number;
  /** Events the page actually took, per second, while it was open. */
  eventsPerS: number;
  flaps: number;
  firstRenderMs: number;
  firstRenderInPageMs: number;
  /** Status changes on the fleet page. */
  status: Latency;
  /** Task output on the task's page. */
  output: Latency;
  memory: Array<{ atS: number; heapBytes: number; nodes: number; listeners: number }>;
  heapGrowthPct: number;
  nodesGrowthPct: number;
  hubCpuNoPagePct: number;
  hubCpuWithPagePct: number;
  tilesShown: number;
  /** The page's main thread while it was open, as % of the wall time: in all, script, layout, style. */
  pageBusyPct: { task: number; script: number; layout: number; style: number };
}

const P99_TARGET_MS = 200;
const GROWTH_TARGET_PCT = 10;

/** The table for a person, and whether a target was missed. */
export function report(r: DashboardResult, m: MachineInfo): { text: string; missed: boolean } {
  const pass = (ok: boolean) => (ok ? 'pass' : 'FAIL');
  const latencyOk = r.status.frameP99 <= P99_TARGET_MS && r.output.frameP99 <= P99_TARGET_MS;
  const memoryOk = r.heapGrowthPct <= GROWTH_TARGET_PCT;
  const rows = [
    ['machines (tiles shown)', `${r.machines} (${r.tilesShown - 1} + the ticker)`, ''],
    ['events into the page', `${r.eventsPerS}/s (asked ${r.rate}/s; ${r.flaps} link drops)`, ''],
    ['first render of the fleet', `${r.firstRenderMs} ms (${r.firstRenderInPageMs} ms from navigation in the page)`, '(info)'],
    ['status -> DOM p50 / p99', `${r.status.p50} / ${r.status.p99} ms (frame ${r.status.frameP50} / ${r.status.frameP99} ms, n=${r.status.n})`, `${pass(r.status.frameP99 <= P99_TARGET_MS)} (p99 <= ${P99_TARGET_MS} ms)`],
    ['output -> DOM p50 / p99', `${r.output.p50} / ${r.output.p99} ms (frame ${r.output.frameP50} / ${r.output.frameP99} ms, n=${r.output.n})`, `${pass(r.output.frameP99 <= P99_TARGET_MS)} (p99 <= ${P99_TARGET_MS} ms)`],
    [`page JS heap after ${r.minutes} min`, `${mb(r.memory[0]!.heapBytes)} -> ${mb(r.memory[r.memory.length - 1]!.heapBytes)} MB (${signed(r.heapGrowthPct)} %)`, `${pass(memoryOk)} (<= ${GROWTH_TARGET_PCT} %)`],
    ['page DOM nodes', `${r.memory[0]!.nodes} -> ${r.memory[r.memory.length - 1]!.nodes} (${signed(r.nodesGrowthPct)} %)`, '(info)'],
    ['page main thread busy', `${r.pageBusyPct.task} % (script ${r.pageBusyPct.script} %, layout ${r.pageBusyPct.layout} %, style ${r.pageBusyPct.style} %)`, '(info)'],
    ['hub CPU: events, no page', `${r.hubCpuNoPagePct} % of one core`, '(info)'],
    ['hub CPU: events + the page\'s stream', `${r.hubCpuWithPagePct} % of one core`, '(info)'],
  ];
  const width = Math.max(...rows.map((row) => row[0]!.length));
  const text = [
    `Machine: ${m.cpus} cores (${m.cpuModel}), ${m.memoryGb} GB, ${m.kernel}, Node ${m.node}`,
    ...rows.map(([a, b, c]) => `${a!.padEnd(width)}  ${b}  ${c}`),
    `heap by minute (MB): ${r.memory.map((x) => mb(x.heapBytes)).join(' ')}`,
  ].join('\n');
  return { text, missed: !latencyOk || !memoryOk };
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
const signed = (v: number) => (v > 0 ? `+${v}` : String(v));
