import { describe, expect, it } from 'vitest';
import { fullJitterDelay } from '../../../src/common/backoff.js';

describe('full-jitter backoff', () => {
  const opts = { baseMs: 1000, capMs: 60_000 };
  it('draws from [0, base * 2^attempt), capped', () => {
    expect(fullJitterDelay(0, opts, () => 0.999)).toBe(999);
    expect(fullJitterDelay(3, opts, () => 0.5)).toBe(4000);
    expect(fullJitterDelay(10, opts, () => 0.999)).toBe(59_940);
    expect(fullJitterDelay(1000, opts, () => 0.999)).toBe(59_940);
    expect(fullJitterDelay(5, opts, () => 0)).toBe(0);
  });

  it('spreads a storm: 10,000 draws at one attempt fill the interval evenly', () => {
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 10_000; i++) buckets[Math.floor(fullJitterDelay(4, opts) / 1600)]++;
    for (const b of buckets) expect(b).toBeGreaterThan(800);
  });
});
