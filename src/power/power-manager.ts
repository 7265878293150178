import { PiaError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { PowerAction } from '../protocol/power.js';
import { createWolSender } from '../wol/wol-sender.js';
import { bootstrapWorker } from './bootstrap.js';
import type { PowerConfig } from './config.js';
import { diagnoseWake, type Finding } from './doctor.js';
import { createPowerOperations, type PowerOperations, type PowerOperation } from './operations.js';
import type { PowerActor, PowerDeps, PowerTarget } from './ports.js';
import { createProber, probeAddress, type PowerReading, type Prober } from './prober.js';
import { normalizeFingerprint } from './ssh/fingerprint.js';
import { fetchHostKeyFingerprint } from './ssh/ssh-client.js';
import { createWorkerRequests, type PowerAnswer } from './worker-requests.js';

/** A machine's SSH host key as it presents it now, beside the one pinned. */
export interface HostKeyReading {
  machine: string;
  host: string;
  port: number;
  fingerprint: string;
  pinned: string | null;
}

/** The hub's power manager: power state with evidence, wake, bootstrap, sleep/shutdown/restart, trust, doctor. */
export interface PowerManager {
  operations: PowerOperations;
  prober: Prober;
  /** Probes a machine now. */
  powerState(name: string): Promise<PowerReading>;
  /** Starts (or joins) a wake. */
  wake(name: string, actor: PowerActor): PowerOperation;
  /** Starts (or joins) an SSH bootstrap of the worker. */
  bootstrap(name: string, actor: PowerActor): PowerOperation;
  /** Wakes a machine a task was just queued for, when it allows auto-wake and is not linked. */
  autoWake(machineId: number, actor: PowerActor): void;
  /**
   * Asks a machine's worker to sleep, shut down or restart it (the OS's own command). `unlessLoggedIn`: the worker
   * refuses when someone is logged in on it (idle sleep).
   */
  command(name: string, action: PowerAction, actor: PowerActor, opts?: { unlessLoggedIn?: boolean }): Promise<PowerAnswer>;
  /** A worker's `power.result` (routed here by the hub's link). */
  answered(machineId: number, result: { requestId: string } & PowerAnswer): void;
  /** The SSH host key fingerprint the machine presents now (to be checked by the operator before trusting). */
  hostKey(name: string): Promise<HostKeyReading>;
  /** Pins a host key fingerprint the operator confirmed. */
  trust(name: string, fingerprint: string, actor: PowerActor): PowerTarget;
  /** What could stop a wake. */
  doctor(name: string): Finding[];
  close(): void;
}

/** Creates the power manager and starts its periodic probe of offline machines. */
export function createPowerManager(
  deps: PowerDeps & {
    config: Readonly<PowerConfig>;
    log: Logger;
    /** The link URL workers on other machines use (for start commands). */
    hubLinkUrl: () => string;
    periodicProbe?: boolean;
  },
): PowerManager {
  const { machines, links, bus, audit, config, log } = deps;
  const isLinked = (id: number) => links.isLinked(id);
  const sender = createWolSender();
  const requests = createWorkerRequests(links);
  const prober = createProber({ machines, bus, config, log, isLinked, sweep: deps.periodicProbe !== false });
  const operations = createPowerOperations({
    machines,
    bus,
    prober,
    requests,
    sender,
    config,
    log,
    isLinked,
    bootstrap: (m, signal) => bootstrapWorker(m, { config, hubLinkUrl: deps.hubLinkUrl(), signal }),
  });

  return {
    operations,
    prober,

    powerState(name) {
      return prober.probe(machines.get(name));
    },

    wake(name, actor) {
      const m = machines.get(name);
      return audit.around(actor, 'power.wake', m.name, () => operations.start('wake', m, actor.id));
    },

    bootstrap(name, actor) {
      const m = machines.get(name);
      return audit.around(actor, 'power.bootstrap', m.name, () => operations.start('bootstrap', m, actor.id));
    },

    autoWake(machineId, actor) {
      const m = machines.byId(machineId);
      if (!m || !m.capabilities.autoWake || isLinked(m.id) || operations.current(m.name)) return;
      log.info({ machine: m.name }, 'auto-wake for a queued task');
      operations.start('wake', m, `${actor.id} (auto-wake for a task)`);
    },

    async command(name, action, actor, opts = {}) {
      const m = machines.get(name);
      if (!isLinked(m.id)) {
        audit.record({ actor: actor.id, origin: actor.origin, action: `power.${action}`, target: m.name, outcome: 'failed', detail: 'offline' });
        throw new PiaError('machine_offline', `${m.name} is offline: its worker must be linked to ${action} it.`);
      }
      const result = await requests.ask(m.id, m.name, { type: 'power.command', action, ...(opts.unlessLoggedIn ? { unlessLoggedIn: true } : {}) }, 40_000);
      audit.record({ actor: actor.id, origin: actor.origin, action: `power.${action}`, target: m.name, outcome: result.ok ? 'ok' : 'failed', detail: result.message });
      if (result.ok) bus.emit('machine.power', { machine: m.name, state: 'unknown', evidence: `${action} requested by ${actor.id}` });
      return result;
    },

    answered: requests.answered,

    async hostKey(name) {
      const m = machines.get(name);
      const host = m.capabilities.sshHost ?? probeAddress(m);
      if (!host) throw new PiaError('ssh_no_host', `No address known for ${m.name}; set one with pia machines set ${m.name} --ip <address>.`);
      const port = m.capabilities.sshPort ?? 22;
      const fingerprint = await fetchHostKeyFingerprint({ host, port, timeoutMs: 10_000 });
      return { machine: m.name, host, port, fingerprint, pinned: m.capabilities.sshHostKey ?? null };
    },

    trust(name, fingerprint, actor) {
      const m = machines.get(name);
      const normal = normalizeFingerprint(fingerprint);
      if (!normal) throw new PiaError('fingerprint_invalid', `"${fingerprint.slice(0, 80)}" is not a fingerprint like SHA256:<43 base64 characters>`);
      return audit.around(actor, 'machine.trust', m.name, () => {
        const updated = machines.pinHostKey(m.id, normal);
        bus.emit('machine.updated', { machine: m.name, what: 'capabilities' });
        return updated;
      });
    },

    doctor(name) {
      const m = machines.get(name);
      return diagnoseWake(m, machines.listByStatus('online').filter((x) => isLinked(x.id)), config);
    },

    close() {
      prober.close();
      operations.close();
      sender.close();
    },
  };
}
