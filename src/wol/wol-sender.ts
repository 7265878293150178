import dgram from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { PiaError, errorMessage } from '../common/errors.js';
import type { WolTarget } from './wol-targets.js';
import { formatWolTarget } from './wol-targets.js';
import { loopbackOnly, mayReach } from '../common/net-guard.js';

/** The UDP socket families a sender may need. */
export type UdpFamily = 'udp4' | 'udp6';

/** I/O for {@link createWolSender}; every field has a real default. */
export interface WolSenderDeps {
  /** Makes an unbound UDP socket; default `dgram.createSocket(family)`. */
  createSocket?: (family: UdpFamily) => dgram.Socket;
  /** Clock for pacing rounds and stamping reports, in ms; default `Date.now`. */
  now?: () => number;
  /** Resolves a host name to one address; default `dns.promises.lookup`. */
  lookup?: (host: string) => Promise<{ address: string }>;
  /**
   * Send only to loopback addresses (127.0.0.0/8, ::1); anything else is reported as refused, never sent.
   * Default: on when PIA_NET_LOOPBACK_ONLY=1, which the test suite and benchmarks set as a safety net.
   */
  loopbackOnly?: boolean;
}



/** Options for one burst. */
export interface WolBurstOptions {
  /** Packets per target; default 3 (a single UDP datagram is easily lost). */
  count?: number;
  /** Gap between rounds in ms; default 100. */
  intervalMs?: number;
  /** Stops the burst: no further rounds are sent and the report says `aborted`. */
  signal?: AbortSignal;
}

/** How one target fared in a burst. */
export interface WolTargetReport {
  target: WolTarget;
  /** The address packets went to: the target's IP, or what its name resolved to. */
  address?: string;
  /** Packets the kernel accepted for this target. */
  sent: number;
  /** The first error for this target (resolution or send), if any. */
  error?: string;
}

/** The outcome of {@link WolSender.sendBurst}. */
export interface WolBurstReport {
  targets: WolTargetReport[];
  /** True when the signal stopped the burst early. */
  aborted: boolean;
  startedAt: number;
  finishedAt: number;
}

/** Sends magic packets over UDP, reusing its sockets between bursts. */
export interface WolSender {
  /**
   * Sends `packet` to every target `count` times, `intervalMs` apart; the first round leaves at once.
   * Never rejects for a network problem: failures are per target in the report, and one failing target
   * never holds back the others. Resolves early, with `aborted: true`, when the signal fires.
   */
  sendBurst(packet: Buffer, targets: WolTarget[], opts?: WolBurstOptions): Promise<WolBurstReport>;
  /** Closes the sockets. A later burst binds new ones. */
  close(): void;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Resolves with `value`, or with `undefined` as soon as the signal fires (a lookup cannot be cancelled). */
function unlessAborted<T>(value: Promise<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
  if (!signal) return value;
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = (): void => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    value.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Closes a socket that may already be closed (closing twice throws ERR_SOCKET_DGRAM_NOT_RUNNING). */
function closeQuietly(socket: dgram.Socket): void {
  try {
    socket.close();
  } catch {
    // Already closed: the goal is reached.
  }
}

/**
 * Creates a Wake-on-LAN sender. Sockets are bound lazily (one per address family), have broadcast enabled
 * so broadcast targets work, and are `unref`'d so an idle sender never keeps a process alive.
 */
export function createWolSender(deps: WolSenderDeps = {}): WolSender {
  const createSocket = deps.createSocket ?? ((family: UdpFamily) => dgram.createSocket(family));
  const now = deps.now ?? Date.now;
  const lookup =
    deps.lookup ??
    ((host: string) =>
      // In loopback-only mode a name is not even looked up: the DNS server is another machine.
      mayReach(host, deps.loopbackOnly ?? loopbackOnly()) ? dnsLookup(host) : Promise.reject(new Error('loopback-only mode (PIA_NET_LOOPBACK_ONLY=1)')));
  const guard = deps.loopbackOnly ?? loopbackOnly();
  const sockets = new Map<UdpFamily, Promise<dgram.Socket>>();

  function bind(family: UdpFamily): Promise<dgram.Socket> {
    const socket = createSocket(family);
    const bound = new Promise<dgram.Socket>((resolve, reject) => {
      const onBindError = (err: Error): void => {
        closeQuietly(socket);
        reject(err);
      };
      socket.once('error', onBindError);
      socket.bind(() => {
        socket.off('error', onBindError);
        // Send errors arrive in send callbacks; anything else breaks the socket, so drop it and let the
        // next send bind a fresh one rather than crash the hub on an unhandled 'error'.
        socket.on('error', () => {
          if (sockets.get(family) === bound) sockets.delete(family);
          closeQuietly(socket);
        });
        socket.setBroadcast(true);
        socket.unref();
        resolve(socket);
      });
    });
    return bound;
  }

  function socketFor(family: UdpFamily): Promise<dgram.Socket> {
    let socket = sockets.get(family);
    if (!socket) {
      const created = bind(family);
      sockets.set(family, created);
      // A failed bind is not cached: the next round tries again.
      created.catch(() => {
        if (sockets.get(family) === created) sockets.delete(family);
      });
      socket = created;
    }
    return socket;
  }

  async function sendOne(packet: Buffer, report: WolTargetReport, address: string): Promise<void> {
    if (!mayReach(address, guard)) {
      report.error ??= `not sent to ${formatWolTarget(report.target)}: loopback-only mode (PIA_NET_LOOPBACK_ONLY=1)`;
      return;
    }
    try {
      const socket = await socketFor(isIP(address) === 6 ? 'udp6' : 'udp4');
      await new Promise<void>((resolve, reject) => {
        socket.send(packet, report.target.port, address, (err) => (err ? reject(err) : resolve()));
      });
      report.sent++;
    } catch (err) {
      report.error ??= `sending to ${formatWolTarget(report.target)} failed: ${errorMessage(err)}`;
    }
  }

  /** Sends `count` rounds to a group of resolved targets, paced from the group's start to avoid drift. */
  async function runRounds(packet: Buffer, group: WolTargetReport[], count: number, intervalMs: number, signal?: AbortSignal): Promise<void> {
    const start = now();
    for (let round = 0; round < count; round++) {
      if (round > 0) await sleep(start + round * intervalMs - now(), signal);
      if (signal?.aborted) return;
      await Promise.all(group.map((report) => sendOne(packet, report, report.address ?? report.target.host)));
    }
  }

  async function sendBurst(packet: Buffer, targets: WolTarget[], opts: WolBurstOptions = {}): Promise<WolBurstReport> {
    const { count = 3, intervalMs = 100, signal } = opts;
    if (!Number.isInteger(count) || count < 1) throw new PiaError('wol_burst_invalid', `A burst needs a whole number of packets (1 or more), got ${count}`);
    if (!Number.isFinite(intervalMs) || intervalMs < 0) throw new PiaError('wol_burst_invalid', `A burst interval must be 0 ms or more, got ${intervalMs}`);
    const startedAt = now();
    const reports: WolTargetReport[] = targets.map((target) => ({ target, sent: 0 }));

    // IP targets go out in this tick; each host name joins when its single lookup answers, so a slow
    // resolver never delays the first packet to the others.
    const literal: WolTargetReport[] = [];
    const byName = new Map<string, WolTargetReport[]>();
    for (const report of reports) {
      if (isIP(report.target.host) !== 0) {
        report.address = report.target.host;
        literal.push(report);
      } else {
        const group = byName.get(report.target.host) ?? [];
        group.push(report);
        byName.set(report.target.host, group);
      }
    }
    const runs = [literal.length > 0 ? runRounds(packet, literal, count, intervalMs, signal) : Promise.resolve()];
    for (const [host, group] of byName) {
      runs.push(
        unlessAborted(lookup(host), signal).then(
          async (resolved) => {
            if (!resolved) return;
            for (const report of group) report.address = resolved.address;
            await runRounds(packet, group, count, intervalMs, signal);
          },
          (err: unknown) => {
            for (const report of group) {
              report.error = `cannot resolve "${host}": ${errorMessage(err)}; check the name or configure an IP address`;
            }
          },
        ),
      );
    }
    await Promise.all(runs);
    return { targets: reports, aborted: signal?.aborted ?? false, startedAt, finishedAt: now() };
  }

  function close(): void {
    for (const socket of sockets.values()) {
      // A socket whose bind failed was never added for good; there is nothing to close.
      socket.then(closeQuietly, () => undefined);
    }
    sockets.clear();
  }

  return { sendBurst, close };
}
