/** A Prometheus histogram as scraped: cumulative counts per upper bound (the last bound is +Inf). */
export interface Histogram {
  bounds: number[];
  cumulative: number[];
  count: number;
  sum: number;
}

/** The value of an unlabelled counter or gauge in a Prometheus text exposition, or undefined if absent. */
export function metricValue(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name} ([0-9.eE+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

/** An unlabelled histogram from a Prometheus text exposition, or undefined if absent. */
export function histogram(text: string, name: string): Histogram | undefined {
  const buckets: { le: number; n: number }[] = [];
  for (const m of text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} ([0-9.eE+-]+)$`, 'gm'))) {
    buckets.push({ le: m[1] === '+Inf' ? Infinity : Number(m[1]), n: Number(m[2]) });
  }
  if (buckets.length === 0) return undefined;
  buckets.sort((a, b) => a.le - b.le);
  return {
    bounds: buckets.map((b) => b.le),
    cumulative: buckets.map((b) => b.n),
    count: metricValue(text, `${name}_count`) ?? buckets[buckets.length - 1]!.n,
    sum: metricValue(text, `${name}_sum`) ?? 0,
  };
}

/** What was observed between two scrapes of the same histogram. */
export function histogramDiff(before: Histogram | undefined, after: Histogram): Histogram {
  if (!before) return after;
  return {
    bounds: after.bounds,
    cumulative: after.cumulative.map((n, i) => n - (before.cumulative[i] ?? 0)),
    count: after.count - before.count,
    sum: after.sum - before.sum,
  };
}

/**
 * The q-quantile (0-1) estimated from bucket counts, like Prometheus' histogram_quantile: find the bucket that
 * holds the rank and interpolate linearly inside it (the first bucket starts at 0). A rank in the +Inf bucket
 * gives the highest finite bound and `beyond: true` (the true value is larger). NaN when nothing was observed.
 */
export function histogramQuantile(h: Histogram, q: number): { value: number; beyond: boolean } {
  const total = h.cumulative[h.cumulative.length - 1] ?? 0;
  if (total <= 0) return { value: NaN, beyond: false };
  const rank = q * total;
  for (let i = 0; i < h.bounds.length; i++) {
    const upper = h.bounds[i]!;
    const below = i === 0 ? 0 : h.cumulative[i - 1]!;
    if (h.cumulative[i]! < rank) continue;
    if (!Number.isFinite(upper)) return { value: h.bounds[i - 1] ?? NaN, beyond: true };
    const lower = i === 0 ? 0 : h.bounds[i - 1]!;
    const inBucket = h.cumulative[i]! - below;
    return { value: inBucket > 0 ? lower + ((rank - below) / inBucket) * (upper - lower) : upper, beyond: false };
  }
  return { value: h.bounds[h.bounds.length - 2] ?? NaN, beyond: true };
}
