import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';

/**
 * Counts a child's JSON log lines by level and message (how a process under load complains); anything else is
 * kept verbatim (a stack trace, a start-up error) so a failure report can show it.
 */
export function countLogLines(streams: (Readable | null)[], counts: Map<string, number>): void {
  for (const stream of streams) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      let key = line.slice(0, 200);
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string };
        key = `${entry.level === 40 ? 'warn' : entry.level === 50 ? 'error' : `level ${entry.level}`}: ${entry.msg}`;
      } catch {
        // not a log line: count it as it is
      }
      counts.set(key, (counts.get(key) ?? 0) + 1);
    });
  }
}

/** Adds one map of counts into a plain record (for the JSON line). */
export function mergeCounts(into: Record<string, number>, from: Map<string, number>): void {
  for (const [k, v] of from) into[k] = (into[k] ?? 0) + v;
}
