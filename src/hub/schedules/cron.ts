import { Cron } from 'croner';
import { PiaError } from '../../common/errors.js';

/** The five fields of a cron expression, in order. */
const FIELDS = ['minute', 'hour', 'day of month', 'month', 'day of week'] as const;

/** A time zone the runtime knows (IANA: Europe/London, America/New_York, UTC); throws `timezone_invalid`. */
export function checkTimeZone(tz: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return tz;
  } catch {
    throw new PiaError('timezone_invalid', `"${tz.slice(0, 64)}" is not a time zone; use an IANA name such as Europe/London, America/New_York or UTC.`);
  }
}

/** Where each field starts in the expression. */
function fieldStarts(expr: string): number[] {
  const starts: number[] = [];
  const re = /\S+/g;
  for (let m = re.exec(expr); m; m = re.exec(expr)) starts.push(m.index);
  return starts;
}

/**
 * Checks a five-field cron expression (minute hour day-of-month month day-of-week; croner's `L`, `#`, ranges,
 * lists and steps). A mistake is reported at the field's first character, with a caret under it.
 */
export function checkCron(expr: string): string {
  const text = expr.trim().replace(/\s+/g, ' ');
  const fields = text.split(' ');
  const point = (at: number, why: string): never => {
    throw new PiaError('cron_invalid', `Cannot read the cron expression at character ${at + 1}: ${why}.\n  ${text}\n  ${' '.repeat(at)}^`);
  };
  if (!text) point(0, 'it is empty');
  if (fields.length !== 5) {
    const starts = fieldStarts(text);
    point(fields.length > 5 ? starts[5]! : text.length, `a cron expression has five fields (minute hour day-of-month month day-of-week), this has ${fields.length}`);
  }
  const starts = fieldStarts(text);
  // Each field alone, the others left open, so the one croner refuses is the one pointed at.
  for (let i = 0; i < 5; i++) {
    const probe = fields.map((f, j) => (j === i ? f : '*')).join(' ');
    try {
      new Cron(probe, { paused: true });
    } catch (err) {
      point(starts[i]!, `the ${FIELDS[i]} field "${fields[i]}" is not valid (${(err as Error).message.replace(/^CronPattern:\s*/, '')})`);
    }
  }
  try {
    new Cron(text, { paused: true });
  } catch (err) {
    point(0, (err as Error).message.replace(/^CronPattern:\s*/, ''));
  }
  return text;
}

/** Cron times in a time zone, with the parsed patterns kept (a scheduler asks the same ones again and again). */
export interface CronClock {
  /** The first due time strictly after `afterMs`; undefined when there is none (a 31st in a 30-day-only pattern...). */
  next(expr: string, tz: string, afterMs: number): number | undefined;
  /** The last due time at or before `atMs`, undefined when none. */
  latest(expr: string, tz: string, atMs: number): number | undefined;
}

/** Creates the clock; patterns are parsed once per expression and zone. */
export function createCronClock(): CronClock {
  const cache = new Map<string, Cron>();
  const cron = (expr: string, tz: string) => {
    const key = `${tz}\n${expr}`;
    let c = cache.get(key);
    if (!c) {
      c = new Cron(expr, { timezone: tz, paused: true });
      if (cache.size > 10_000) cache.clear();
      cache.set(key, c);
    }
    return c;
  };
  return {
    next(expr, tz, afterMs) {
      return cron(expr, tz).nextRun(new Date(afterMs))?.getTime();
    },
    latest(expr, tz, atMs) {
      return cron(expr, tz).previousRuns(1, new Date(atMs + 1))[0]?.getTime();
    },
  };
}
