/**
 * The chatty agent's contract, shared by the agent and the benchmark: what it is told (its one argument, the task
 * prompt) and what it says at the end (its last line).
 */

/** What a chatty agent does: write `bytes` of `line`-byte lines, spread evenly over `seconds`, then exit 0. */
export interface ChattySpec {
  bytes: number;
  seconds: number;
  lineBytes: number;
}

/** The prompt for a chatty agent: `bytes=10000000 seconds=60 line=100`. */
export function chattyPrompt(spec: ChattySpec): string {
  return `bytes=${spec.bytes} seconds=${spec.seconds} line=${spec.lineBytes}`;
}

/** Reads a chatty prompt; throws naming the bad part (the agent prints it and exits 2). */
export function parseChattyPrompt(text: string): ChattySpec {
  const spec: ChattySpec = { bytes: 10_000_000, seconds: 60, lineBytes: 100 };
  for (const part of text.trim().split(/\s+/).filter(Boolean)) {
    const m = /^(bytes|seconds|line)=(\d+(?:\.\d+)?)$/.exec(part);
    if (!m) throw new Error(`chatty: expected bytes=N seconds=N line=N, got '${part}'`);
    const n = Number(m[2]);
    if (m[1] === 'bytes') spec.bytes = Math.floor(n);
    else if (m[1] === 'seconds') spec.seconds = n;
    else spec.lineBytes = Math.floor(n);
  }
  if (spec.lineBytes < 16 || spec.bytes < spec.lineBytes || spec.seconds <= 0) throw new Error('chatty: need line >= 16, bytes >= line, seconds > 0');
  return spec;
}

/** The agent's last line (newline included). */
export function chattySummaryLine(r: { bytes: number; lines: number; ms: number }): string {
  return `chatty: wrote ${r.bytes} bytes in ${r.lines} lines over ${r.ms} ms\n`;
}
