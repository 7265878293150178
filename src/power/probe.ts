import net from 'node:net';
import { mayReach } from '../common/net-guard.js';
import { PiaError } from '../common/errors.js';

/**
 * What one TCP connection attempt learned. `refused` (a RST) still proves the host is up: its TCP stack
 * answered. `unreachable` is a local or routing failure (no route, no ARP reply, name not found).
 */
export type TcpProbeResult = 'open' | 'refused' | 'timeout' | 'unreachable';

/** Whether a host looks awake, why, and what each port said. */
export interface HostProbe {
  state: 'awake' | 'off';
  /** One line for a person, e.g. "TCP 22 open" or "no answer on TCP 22, 3389, 445 within 1500 ms". */
  evidence: string;
  /** Ports that answered before the verdict, in the order given (see {@link probeHost}). */
  ports: Array<{ port: number; result: TcpProbeResult }>;
}

/** SSH, RDP and SMB: at least one usually answers (open or refused) on a running Linux, Windows or macOS. */
export const DEFAULT_PROBE_PORTS: readonly number[] = [22, 3389, 445];

function classify(err: NodeJS.ErrnoException): TcpProbeResult {
  // A reset during the handshake is an answer from the host's TCP stack, just like a refusal.
  if (err.code === 'ECONNREFUSED' || err.code === 'ECONNRESET') return 'refused';
  if (err.code === 'ETIMEDOUT') return 'timeout';
  // EHOSTUNREACH, ENETUNREACH, EHOSTDOWN, ENOTFOUND and the like: nothing on the far side answered.
  return 'unreachable';
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new PiaError('probe_port_invalid', `A probe port must be a whole number from 1 to 65535, got ${port}`);
  }
}

/**
 * Tries one TCP connection to `host:port` and closes it at once. Resolves `timeout` when nothing answers
 * within `timeoutMs`, and also when `signal` fires first (the attempt is abandoned, its socket destroyed).
 * Rejects only for a bad port (`probe_port_invalid`).
 */
export function probeTcp(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<TcpProbeResult> {
  try {
    checkPort(port);
  } catch (err) {
    return Promise.reject(err);
  }
  if (signal?.aborted) return Promise.resolve('timeout');
  if (!mayReach(host)) return Promise.resolve('unreachable'); // loopback-only mode: nothing leaves the machine
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let settled = false;
    const finish = (result: TcpProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(result);
    };
    const onAbort = (): void => finish('timeout');
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    socket.once('connect', () => finish('open'));
    // `on`, not `once`: an error after the verdict must still have a listener, or it would crash the process.
    socket.on('error', (err: NodeJS.ErrnoException) => finish(classify(err)));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Decides whether a host is awake by probing its TCP ports in parallel: awake as soon as any port is open
 * or refused (the remaining attempts are abandoned and their sockets destroyed), off when every port timed
 * out or was unreachable. `ports` in the result lists only the ports that had answered by the verdict.
 */
export async function probeHost(host: string, ports: readonly number[], opts: { timeoutMs: number }): Promise<HostProbe> {
  const unique = [...new Set(ports)];
  if (unique.length === 0) throw new PiaError('probe_ports_empty', 'Give at least one TCP port to probe, e.g. 22, 3389, 445');
  unique.forEach(checkPort);
  const controller = new AbortController();
  const answers = new Map<number, TcpProbeResult>();
  const listed = (): HostProbe['ports'] =>
    unique.filter((port) => answers.has(port)).map((port) => ({ port, result: answers.get(port) ?? 'timeout' }));

  return new Promise<HostProbe>((resolve) => {
    let pending = unique.length;
    for (const port of unique) {
      // probeTcp cannot reject here: the ports were checked above.
      void probeTcp(host, port, opts.timeoutMs, controller.signal).then((result) => {
        if (controller.signal.aborted) return;
        answers.set(port, result);
        if (result === 'open' || result === 'refused') {
          controller.abort();
          const evidence = result === 'open' ? `TCP ${port} open` : `TCP ${port} refused: the host is up`;
          resolve({ state: 'awake', evidence, ports: listed() });
        } else if (--pending === 0) {
          const unreachable = unique.filter((p) => answers.get(p) === 'unreachable');
          const why = unreachable.length > 0 ? `; TCP ${unreachable.join(', ')} unreachable (no route or no reply on the LAN)` : '';
          resolve({ state: 'off', evidence: `no answer on TCP ${unique.join(', ')} within ${opts.timeoutMs} ms${why}`, ports: listed() });
        }
      });
    }
  });
}
