import type { RssSeries } from './result.js';
import { sampleAt, type Sample } from './sampler.js';
import { round } from '../fleet/stats.js';

const MB = 1024 * 1024;

/**
 * Summarises RSS readings (bytes) taken from `t0`. The baseline is the reading 2 s after the full load was on
 * (`loadedAt`: the last task started), when every stream is open. "Flat" means memory does not follow the
 * output: the max stays within 1.5x of the baseline, and the second half of the run (from the baseline to the end)
 * peaks no more than 15 % above the first half, so it is not still climbing.
 */
export function summariseRss(samples: readonly Sample<number>[], t0: number, loadedAt: number): RssSeries {
  const mb = (s: Sample<number> | undefined) => (s ? s.value / MB : NaN);
  const peak = (list: readonly Sample<number>[]) => Math.max(...list.map((s) => s.value / MB));
  const last = samples[samples.length - 1];
  const baseline = sampleAt(samples, loadedAt + 2000);
  const lastAt = last?.at ?? t0;
  const baseAt = baseline?.at ?? t0;
  const halfAt = baseAt + (lastAt - baseAt) / 2;
  const after = samples.filter((s) => s.at >= baseAt);
  const firstHalfMax = peak(after.filter((s) => s.at < halfAt));
  const secondHalfMax = peak(after.filter((s) => s.at >= halfAt));
  const baselineMb = mb(baseline);
  const maxMb = peak(samples);
  const lateGrowth = secondHalfMax / firstHalfMax;
  return {
    startMb: mb(samples[0]),
    baselineMb,
    middleMb: mb(sampleAt(samples, t0 + (lastAt - t0) / 2)),
    endMb: mb(last),
    maxMb,
    maxOverBaseline: maxMb / baselineMb,
    lateGrowth,
    flat: maxMb <= baselineMb * 1.5 && lateGrowth <= 1.15,
    series: samples.map((s) => [round((s.at - t0) / 1000, 1), round(s.value / MB, 1)]),
  };
}
