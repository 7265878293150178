/**
 * The flood agent's contract, shared by the agent and the benchmark: what it is told (its one argument, which is
 * the task prompt) and what it says at the end (its last line, so the benchmark can check nothing was lost).
 */

/**
 * What a flood agent does: write `writeBytes` of printable lines per write, for `seconds`, as fast as it can
 * (`rate` 0) or paced to `rate` bytes per second.
 */
export interface FloodSpec {
  seconds: number;
  writeBytes: number;
  lineBytes: number;
  rate: number;
}

export const defaultFlood: Omit<FloodSpec, 'seconds'> = { writeBytes: 64 * 1024, lineBytes: 128, rate: 0 };

/** The prompt for a flood agent: `seconds=10 write=65536 line=128 rate=0`. */
export function floodPrompt(spec: FloodSpec): string {
  return `seconds=${spec.seconds} write=${spec.writeBytes} line=${spec.lineBytes} rate=${spec.rate}`;
}

/** The prompt each of `tasks` agents gets for a run of `seconds` at a total `rate` (bytes/s; 0: flat out). */
export function floodPromptFor(run: { seconds: number; tasks: number; rate: number }): string {
  return floodPrompt({ ...defaultFlood, seconds: run.seconds, rate: run.rate > 0 ? Math.round(run.rate / run.tasks) : 0 });
}

/** Reads a flood prompt; throws naming the bad part (the agent prints it and exits 2). */
export function parseFloodPrompt(text: string): FloodSpec {
  const spec: FloodSpec = { seconds: 10, ...defaultFlood };
  for (const part of text.trim().split(/\s+/).filter(Boolean)) {
    const m = /^(seconds|write|line|rate)=(\d+(?:\.\d+)?)$/.exec(part);
    if (!m) throw new Error(`flood: expected seconds=N write=BYTES line=BYTES rate=BYTES_PER_S, got '${part}'`);
    const n = Number(m[2]);
    if (m[1] === 'seconds') spec.seconds = n;
    else if (m[1] === 'write') spec.writeBytes = Math.floor(n);
    else if (m[1] === 'line') spec.lineBytes = Math.floor(n);
    else spec.rate = n;
  }
  if (spec.lineBytes < 16 || spec.writeBytes < spec.lineBytes) throw new Error('flood: need line >= 16 and write >= line');
  return spec;
}

/** What a flood agent reports in its last line. `bytes` counts everything it wrote before that line. */
export interface FloodReport {
  bytes: number;
  writes: number;
  ms: number;
  cpuMs: number;
}

/** The agent's last line (newline included). */
export function floodSummaryLine(r: FloodReport): string {
  return `flood: wrote ${r.bytes} bytes in ${r.writes} writes over ${r.ms} ms, cpu ${r.cpuMs} ms\n`;
}

const summaryPattern = /flood: wrote (\d+) bytes in (\d+) writes over (\d+) ms, cpu (\d+) ms\n?/g;

/**
 * Finds the agent's last summary line in some text (a task summary, the tail of its stdout), with the total it
 * wrote including that line itself; undefined when there is none (the agent died before the end).
 */
export function parseFloodSummary(text: string): (FloodReport & { totalBytes: number }) | undefined {
  let last: RegExpExecArray | undefined;
  for (const m of text.matchAll(summaryPattern)) last = m as RegExpExecArray;
  if (!last) return undefined;
  const report = { bytes: Number(last[1]), writes: Number(last[2]), ms: Number(last[3]), cpuMs: Number(last[4]) };
  return { ...report, totalBytes: report.bytes + Buffer.byteLength(floodSummaryLine(report)) };
}
