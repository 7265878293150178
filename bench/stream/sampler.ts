import { setTimeout as sleep } from 'node:timers/promises';

/** One reading and when it was taken (epoch ms, comparable across processes on this machine). */
export interface Sample<T> {
  at: number;
  value: T;
}

/** Readings taken on a schedule until stopped. */
export interface Sampler<T> {
  readonly samples: Sample<T>[];
  /** Stops and waits for a reading under way, so no sample lands after this resolves. */
  stop(): Promise<void>;
}

/**
 * Reads every `everyMs` (a slow read delays the next instead of piling up). A failed read is skipped: under load
 * the hub may answer late, and a gap in the series says more than an aborted benchmark.
 */
export function startSampler<T>(everyMs: number, read: () => T | Promise<T>): Sampler<T> {
  const samples: Sample<T>[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const due = Date.now() + everyMs;
      try {
        const value = await read();
        samples.push({ at: Date.now(), value });
      } catch {
        // skipped; see above
      }
      const wait = due - Date.now();
      if (wait > 0 && !stopped) await sleep(wait);
    }
  })();
  return {
    samples,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/**
 * The rate of a growing count between two moments: from the first sample at or after `from` to the last at or
 * before `to`, in units per second. NaN when fewer than two samples fall in the window.
 */
export function rateBetween(samples: readonly Sample<number>[], from: number, to: number): { perS: number; seconds: number } {
  const inside = samples.filter((s) => s.at >= from && s.at <= to);
  const first = inside[0];
  const last = inside[inside.length - 1];
  if (!first || !last || last.at <= first.at) return { perS: NaN, seconds: 0 };
  const seconds = (last.at - first.at) / 1000;
  return { perS: (last.value - first.value) / seconds, seconds };
}

/** The first sample at or after a moment (or the last one, if none is that late). */
export function sampleAt<T>(samples: readonly Sample<T>[], at: number): Sample<T> | undefined {
  return samples.find((s) => s.at >= at) ?? samples[samples.length - 1];
}
