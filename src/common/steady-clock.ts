/**
 * A clock for deadlines that does not jump when the system's wall clock is stepped (NTP correcting a drifted clock,
 * a person setting the time): it reads the wall clock once, at creation, and advances with the monotonic clock after.
 * Deadlines computed and checked with it (queue expiry, approval time-outs) keep their length through a step of
 * either sign. Timestamps shown to people keep using the real wall clock.
 */
export function steadyClock(wallMs: () => number = Date.now, monotonicMs: () => number = () => performance.now()): () => Date {
  const base = wallMs() - monotonicMs();
  return () => new Date(base + monotonicMs());
}
