import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** How a log line is counted: a JSON (pino) line by level and message, anything else by its first 200 characters. */
export function logLineKey(line: string): string {
  try {
    const entry = JSON.parse(line) as { level?: number; msg?: string };
    return `${entry.level === 40 ? 'warn' : entry.level === 50 ? 'error' : `level ${entry.level}`}: ${entry.msg}`;
  } catch {
    // not a log line (a stack trace, a start-up error): counted as it is
    return line.slice(0, 200);
  }
}

/** Counts a child process's output lines by {@link logLineKey} (how a process under load complains). */
export function countLogLines(streams: (Readable | null)[], counts: Map<string, number>): void {
  for (const stream of streams) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      const key = logLineKey(line);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    });
  }
}
