import { mapLimit } from '../common/concurrency.js';
import type { Logger } from '../common/logger.js';
import type { PowerBus, PowerMachines, PowerTarget } from './ports.js';
import type { PowerState } from './power-state.js';
import type { PowerConfig } from './config.js';
import { probeHost, type HostProbe } from './probe.js';

/** What a probe found out about a machine. */
export interface PowerReading {
  machine: string;
  powerState: PowerState;
  evidence: string;
  at: string;
  probe: HostProbe | null;
}

/** The address to probe: the configured IP, else the SSH host, else its last known non-loopback address. */
export function probeAddress(m: PowerTarget): string | undefined {
  return m.capabilities.ip ?? m.capabilities.sshHost ?? m.facts?.interfaces.find((i) => !i.internal)?.address;
}

/** Probes machines' power state with TCP, with bounded concurrency and short time-outs. */
export interface Prober {
  /** Probes one machine now and records the result (a linked machine is online whatever a probe says). */
  probe(m: PowerTarget): Promise<PowerReading>;
  /** Probes every offline machine (the periodic sweep); returns how many were probed. */
  sweep(): Promise<number>;
  close(): void;
}

/** Creates the prober and starts its periodic sweep of offline machines. */
export function createProber(deps: { machines: PowerMachines; bus: PowerBus; config: Readonly<PowerConfig>; log: Logger; isLinked: (id: number) => boolean; sweep?: boolean }): Prober {
  const { machines, bus, config } = deps;

  async function probe(m: PowerTarget): Promise<PowerReading> {
    const at = new Date().toISOString();
    if (deps.isLinked(m.id)) return { machine: m.name, powerState: 'online', evidence: 'worker linked', at, probe: null };
    const host = probeAddress(m);
    if (!host) {
      const evidence = 'no IP address known to probe (set one with pia machines set --ip)';
      record(m, 'unknown', evidence);
      return { machine: m.name, powerState: 'unknown', evidence, at, probe: null };
    }
    const result = await probeHost(host, m.capabilities.probePorts ?? config.probePorts, { timeoutMs: config.probeTimeoutMs });
    if (deps.isLinked(m.id)) return { machine: m.name, powerState: 'online', evidence: 'worker linked', at, probe: result };
    const current = machines.byId(m.id);
    // During a wake the transition states say more than "off"; a probe only moves them forward to awake.
    const inTransition = current && (current.powerState === 'waking' || current.powerState === 'booting' || current.powerState === 'starting');
    if (result.state === 'awake' || !inTransition) record(m, result.state, `${result.evidence} (${host})`);
    return { machine: m.name, powerState: result.state, evidence: `${result.evidence} (${host})`, at, probe: result };
  }

  function record(m: PowerTarget, state: PowerState, evidence: string): void {
    if (machines.setPowerState(m.id, state, evidence)) bus.emit('machine.power', { machine: m.name, state, evidence });
  }

  async function sweep(): Promise<number> {
    const offline = machines.listByStatus('offline').filter((m) => !deps.isLinked(m.id));
    await mapLimit(offline, config.probeConcurrency, (m) => probe(m).catch((err) => deps.log.warn({ err, machine: m.name }, 'probe failed')));
    return offline.length;
  }

  let running = false;
  const timer =
    deps.sweep === false
      ? undefined
      : setInterval(() => {
          if (running) return; // a slow sweep is never overlapped by the next
          running = true;
          void sweep().finally(() => (running = false));
        }, config.probeIntervalS * 1000);
  timer?.unref();

  return { probe, sweep, close: () => clearInterval(timer) };
}
