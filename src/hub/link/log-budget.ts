import type { Logger } from '../../common/logger.js';

/** Settings of a {@link LogBudget}. */
export interface LogBudgetOptions {
  /** Lines per second on average. */
  perSecond?: number;
  /** Lines that may be written at once after a quiet spell. */
  burst?: number;
  nowMs?: () => number;
}

/** A warn logger for lines a peer can provoke: writes at a bounded rate and counts what it drops. */
export interface LogBudget {
  warn(fields: Record<string, unknown>, message: string): void;
  /** Writes the summary of lines dropped so far (at shutdown). */
  close(): void;
}

/**
 * Wraps a logger in a token bucket. A hostile or broken peer can make the hub refuse something millions of times a
 * second; one log line each would cost a core and gigabytes of disk. Lines over the budget are dropped, and one
 * summary line ("suppressed": N) says how many, a second after the first dropped line.
 */
export function createLogBudget(log: Logger, opts: LogBudgetOptions = {}): LogBudget {
  const perSecond = opts.perSecond ?? 10;
  const burst = opts.burst ?? 20;
  const nowMs = opts.nowMs ?? Date.now;
  let tokens = burst;
  let filledAt = nowMs();
  let suppressed = 0;
  let summary: NodeJS.Timeout | undefined;

  function report(): void {
    summary = undefined;
    if (suppressed === 0) return;
    log.warn({ suppressed }, `${suppressed} similar log lines suppressed in the last second`);
    suppressed = 0;
  }

  return {
    warn(fields, message) {
      const now = nowMs();
      tokens = Math.min(burst, tokens + ((now - filledAt) / 1000) * perSecond);
      filledAt = now;
      if (tokens >= 1) {
        tokens -= 1;
        log.warn(fields, message);
        return;
      }
      suppressed++;
      if (!summary) {
        summary = setTimeout(report, 1000);
        summary.unref();
      }
    },
    close() {
      if (summary) clearTimeout(summary);
      report();
    },
  };
}
