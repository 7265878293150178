/**
 * The rate limiters the in-process platform stand-ins enforce. Each answers a request with 0 (go ahead, counted)
 * or the milliseconds until one would be allowed (refused, not counted), which becomes the 429's Retry-After.
 */
export interface RateLimiter {
  take(now: number): number;
}

/** A token bucket: `perSecond` sustained, at most `burst` saved up (Slack's published tiers behave like this). */
export function tokenBucket(perSecond: number, burst: number, now: number): RateLimiter {
  let tokens = burst;
  let last = now;
  return {
    take(t: number): number {
      tokens = Math.min(burst, tokens + ((t - last) / 1000) * perSecond);
      last = t;
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return Math.ceil(((1 - tokens) / perSecond) * 1000);
    },
  };
}

/**
 * A fixed window: `limit` requests, then nothing until `windowMs` after the window's first request (Discord's
 * buckets: X-RateLimit-Remaining counts down, X-RateLimit-Reset-After says when it is full again).
 */
export function fixedWindow(limit: number, windowMs: number): RateLimiter {
  let start = -Infinity;
  let count = 0;
  return {
    take(t: number): number {
      if (t - start >= windowMs) {
        start = t;
        count = 0;
      }
      if (count < limit) {
        count++;
        return 0;
      }
      return Math.max(1, Math.ceil(start + windowMs - t));
    },
  };
}

/** One limiter per key (a channel), made on first use. */
export function perKey(make: () => RateLimiter): (key: string) => RateLimiter {
  const limiters = new Map<string, RateLimiter>();
  return (key) => {
    let l = limiters.get(key);
    if (!l) limiters.set(key, (l = make()));
    return l;
  };
}
