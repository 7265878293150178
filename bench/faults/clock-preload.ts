/**
 * Preloaded into the hub of scenario 8 (`NODE_OPTIONS=--import=<this file>`): the injected clock. It replaces the
 * process's Date with one that adds an offset, and on SIGUSR2 reads a new offset (ms) from the file named by
 * PIA_BENCH_CLOCK_FILE: a wall-clock step as NTP or a person setting the time makes one. Timers and the monotonic
 * clock are untouched, as they are by a real step.
 */
import { readFileSync } from 'node:fs';

const RealDate = Date;
let offsetMs = 0;

class SteppedDate extends RealDate {
  constructor(...args: unknown[]) {
    if (args.length === 0) super(RealDate.now() + offsetMs);
    else super(...(args as [string | number | Date]));
  }

  static override now(): number {
    return RealDate.now() + offsetMs;
  }
}

globalThis.Date = SteppedDate as DateConstructor;

process.on('SIGUSR2', () => {
  const file = process.env.PIA_BENCH_CLOCK_FILE;
  if (!file) return;
  const value = Number(readFileSync(file, 'utf8').trim());
  if (Number.isFinite(value)) offsetMs = value;
});
