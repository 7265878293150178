/** Options for {@link fullJitterDelay}. */
export interface BackoffOptions {
  /** First ceiling, in milliseconds. */
  baseMs: number;
  /** Largest ceiling, in milliseconds. */
  capMs: number;
}

/**
 * "Full jitter" exponential backoff: a uniformly random delay in [0, min(cap, base * 2^attempt)).
 * Randomising the whole interval spreads a reconnect storm (every worker losing the hub at once) evenly
 * instead of letting it arrive in synchronised waves.
 */
export function fullJitterDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(opts.capMs, opts.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
