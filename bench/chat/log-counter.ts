import { pino, type Logger } from 'pino';
import { logLineKey } from '../common/log-lines.js';

/**
 * A logger for the in-process hub, worker and Slack adapter that prints nothing and counts warnings and errors
 * by message (a chat post that failed shows up here), so the JSON line can say what PIA complained about.
 */
export function countingLogger(counts: Map<string, number>): Logger {
  return pino(
    { level: 'warn' },
    {
      write(line: string): void {
        const key = logLineKey(line);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      },
    },
  );
}
