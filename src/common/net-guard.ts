/**
 * A safety net for tests and benchmarks: with PIA_NET_LOOPBACK_ONLY=1 (set by the test setup and the benchmarks),
 * PIA's packet senders (magic packets, TCP probes, SSH) refuse every address but loopback, and never ask DNS.
 */
export function loopbackOnly(): boolean {
  return process.env.PIA_NET_LOOPBACK_ONLY === '1';
}

/** Whether a host is a loopback address (127.0.0.0/8, ::1) or `localhost`. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || host === '::ffff:127.0.0.1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** True when a packet to `host` may be sent now. */
export function mayReach(host: string, guard: boolean = loopbackOnly()): boolean {
  return !guard || isLoopback(host);
}
