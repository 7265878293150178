import os from 'node:os';
import type { StreamArgs } from './args.js';
import { round } from '../fleet/stats.js';
import { cpuWindow, type ProcReading } from './cpu-windows.js';
import type { TaskView } from './hub-api.js';
import { mbps } from './progress.js';
import { histogram, histogramDiff, histogramQuantile, metricValue, type Histogram } from './prom.js';
import type { PiaResult } from './result.js';
import { summariseRss } from './rss.js';
import { rateBetween, type Sample } from './sampler.js';

export const LATENCY = 'pia_output_latency_seconds';
export const BYTES = 'pia_output_bytes_total';
/** The hub's longest event-loop delay since the previous scrape. */
export const LOOP_DELAY = 'pia_event_loop_delay_max_seconds';

/** What phase A collected before its processes were stopped. */
export interface Measured {
  /** Just before the tasks were created, and when all were seen finished (epoch ms). */
  t0: number;
  tEnd: number;
  createMs: number;
  /** /metrics before and after. */
  before: string;
  after: string;
  views: TaskView[];
  /** The hub's database and WAL at the end (all tasks final, the hub still running). */
  diskBytes: number;
  /** The same with the output stored so far, at every scrape. */
  disk: Sample<{ diskBytes: number; storedBytes: number }>[];
  procs: Sample<ProcReading>[];
  stored: Sample<number>[];
  /** The hub's longest event-loop delay in each scrape interval (seconds). */
  loopDelays: number[];
  /** The latency histogram at each scrape, for the steady window's own quantiles. */
  latencies: Sample<Histogram | undefined>[];
}

const epoch = (iso: string | null) => (iso ? Date.parse(iso) : NaN);

/** Readings taken before this share of the output was stored are left out of the peak ratio (an empty database). */
const PEAK_FROM_SHARE = 0.1;

/**
 * The disk the output took: database + WAL over the output stored, at the end and at its worst moment. The peak
 * ratio is the largest ratio of any scrape once a tenth of the output was stored (the schema of an empty database
 * would dominate before); it is at least the peak size over the output at the end.
 */
function summariseDisk(m: Measured, base: number, storedBytes: number): PiaResult['disk'] {
  const readings = m.disk.map((d) => ({ at: d.at, disk: d.value.diskBytes, stored: d.value.storedBytes - base }));
  const peakBytes = Math.max(m.diskBytes, ...readings.map((r) => r.disk));
  const ratios = readings.filter((r) => r.stored >= storedBytes * PEAK_FROM_SHARE && r.stored > 0).map((r) => r.disk / r.stored);
  const endRatio = m.diskBytes / storedBytes;
  return {
    endMb: m.diskBytes / 1e6,
    peakMb: peakBytes / 1e6,
    endRatio,
    peakRatio: Math.max(endRatio, peakBytes / storedBytes, ...ratios),
    series: readings.map((r) => [round((r.at - m.t0) / 1000, 1), round(r.disk / 1e6, 1)]),
  };
}

/** Turns phase A's readings into figures (the byte check is added by the caller). */
export function summarise(
  args: StreamArgs,
  m: Measured,
  errors: string[],
): Omit<PiaResult, 'agentBytes' | 'storedStdoutBytes' | 'mismatches' | 'hubLog' | 'workerLog' | 'loadAtStart'> {
  const starts = m.views.map((v) => epoch(v.startedAt)).filter(Number.isFinite);
  const firstStart = starts.length ? Math.min(...starts) : m.t0;
  const lastStart = starts.length ? Math.max(...starts) : m.t0;
  const ends = m.views.map((v) => epoch(v.finishedAt)).filter(Number.isFinite);
  // finishedAt is the worker's report of the agent's exit; the hub records it only once all output is stored.
  const lastAgentEnd = ends.length ? Math.max(...ends) : m.tEnd;
  const base = metricValue(m.before, BYTES) ?? 0;
  const storedBytes = (metricValue(m.after, BYTES) ?? NaN) - base;
  // Steady: every agent started and past its first moments, none yet stopped.
  const warm = Math.min(2000, args.seconds * 200);
  const agentsEnd = firstStart + args.seconds * 1000;
  let steady = rateBetween(m.stored, Math.max(firstStart + warm, lastStart), agentsEnd);
  if (!(steady.seconds >= 1)) steady = rateBetween(m.stored, firstStart, agentsEnd);
  const overallS = (m.tEnd - firstStart) / 1000;
  const empty = { bounds: [], cumulative: [], count: 0, sum: 0 };
  const hist = histogramDiff(histogram(m.before, LATENCY), histogram(m.after, LATENCY) ?? empty);
  const p50 = histogramQuantile(hist, 0.5);
  const p99 = histogramQuantile(hist, 0.99);
  // The same while every agent writes: start-up (100 agents spawned at once) and the tail are left out.
  const from = m.latencies.find((x) => x.at >= Math.max(firstStart + warm, lastStart))?.value;
  const to = [...m.latencies].reverse().find((x) => x.at <= agentsEnd)?.value;
  const steadyHist = from && to && to.count > from.count ? histogramDiff(from, to) : undefined;
  const steadyP99 = steadyHist ? histogramQuantile(steadyHist, 0.99) : undefined;
  const states: Record<string, number> = {};
  for (const v of m.views) states[v.state] = (states[v.state] ?? 0) + 1;
  const rssSamples = m.procs.map((s) => ({ at: s.at, value: s.value.rssBytes }));
  return {
    tasks: args.tasks,
    workers: args.workers,
    seconds: args.seconds,
    storedBytes,
    overallMBps: mbps(storedBytes, overallS),
    overallWindowS: overallS,
    steadyMBps: steady.perS / 1e6,
    steadyWindowS: steady.seconds,
    storedSeries: m.stored.map((x) => [round((x.at - m.t0) / 1000, 1), round((x.value - base) / 1e6, 1)]),
    latency: {
      p50Ms: p50.value * 1000,
      p50Beyond: p50.beyond,
      p99Ms: p99.value * 1000,
      p99Beyond: p99.beyond,
      meanMs: hist.count ? (hist.sum / hist.count) * 1000 : NaN,
      chunks: hist.count,
      steadyP50Ms: steadyHist ? histogramQuantile(steadyHist, 0.5).value * 1000 : NaN,
      steadyP99Ms: steadyP99 ? steadyP99.value * 1000 : NaN,
    },
    rss: summariseRss(rssSamples, m.t0, lastStart),
    cpu: {
      cores: os.availableParallelism(),
      agentsPct: NaN,
      otherPct: NaN,
      whole: cpuWindow(m.procs, m.t0, m.tEnd) ?? null,
      writing: cpuWindow(m.procs, firstStart, agentsEnd) ?? null,
      draining: cpuWindow(m.procs, lastAgentEnd, m.tEnd) ?? null,
    },
    createMs: m.createMs,
    loopDelayMaxMs: Math.max(0, ...m.loopDelays.filter(Number.isFinite)) * 1000,
    startSpreadS: (lastStart - firstStart) / 1000,
    drainS: (m.tEnd - lastAgentEnd) / 1000,
    states,
    disk: summariseDisk(m, base, storedBytes),
    errors,
  };
}
