import { pino, type Logger } from 'pino';

/**
 * A logger for the in-process hub, worker and Slack adapter that prints nothing and counts warnings and errors
 * by message (a chat post that failed shows up here), so the JSON line can say what PIA complained about.
 */
export function countingLogger(counts: Map<string, number>): Logger {
  return pino(
    { level: 'warn' },
    {
      write(line: string): void {
        let key = line.slice(0, 200);
        try {
          const entry = JSON.parse(line) as { level?: number; msg?: string };
          key = `${entry.level === 40 ? 'warn' : entry.level === 50 ? 'error' : `level ${entry.level}`}: ${entry.msg}`;
        } catch {
          // not JSON: count it as it is
        }
        counts.set(key, (counts.get(key) ?? 0) + 1);
      },
    },
  );
}
