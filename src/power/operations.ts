import { randomUUID } from 'node:crypto';
import { errorMessage, PiaError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { PowerBus, PowerMachines, PowerTarget } from './ports.js';
import type { PowerProgress } from './progress.js';
import type { PowerConfig } from './config.js';
import { learnedMac } from '../wol/learned-mac.js';
import { buildMagicPacket } from '../wol/magic-packet.js';
import type { Prober } from './prober.js';
import { chooseRelays } from './wake-relays.js';
import type { WolSender } from '../wol/wol-sender.js';
import { formatWolTarget, parseWolTargets, planWolTargets } from '../wol/wol-targets.js';
import type { WorkerRequests } from './worker-requests.js';
import { networksOf } from './wake-relays.js';

/** A wake or bootstrap in progress (or done), with every step it reported. */
export interface PowerOperation {
  id: string;
  machine: string;
  kind: 'wake' | 'bootstrap';
  requestedBy: string;
  state: PowerProgress['state'];
  steps: PowerProgress[];
  startedAt: string;
  finishedAt: string | null;
}

/** Runs wakes and bootstraps: one operation per machine at a time; a second request joins the first. */
export interface PowerOperations {
  start(kind: 'wake' | 'bootstrap', machine: PowerTarget, actor: string): PowerOperation;
  get(id: string): PowerOperation | undefined;
  /** The running operation of a machine, if any. */
  current(machine: string): PowerOperation | undefined;
  /** Resolves when the operation has ended. */
  done(id: string): Promise<PowerOperation>;
  cancel(id: string, by: string): PowerOperation;
  close(): void;
}

class Stopped extends Error {}

interface LiveOperation extends PowerOperation {
  abort: AbortController;
  finished?: Promise<PowerOperation>;
  cancelledBy?: string;
}

/** Creates the orchestrator. Every step is a `power.progress` event; the last one has step `done`. */
export function createPowerOperations(deps: {
  machines: PowerMachines;
  bus: PowerBus;
  prober: Prober;
  requests: WorkerRequests;
  sender: WolSender;
  config: Readonly<PowerConfig>;
  log: Logger;
  isLinked: (machineId: number) => boolean;
  bootstrap: (m: PowerTarget, signal: AbortSignal) => Promise<string>;
}): PowerOperations {
  const { machines, bus, config } = deps;
  const ops = new Map<string, LiveOperation>();
  const byMachine = new Map<string, string>();

  function start(kind: 'wake' | 'bootstrap', machine: PowerTarget, actor: string): PowerOperation {
    const running = current(machine.name);
    if (running) return running; // a second wake joins the first and sees its progress
    const abort = new AbortController();
    const op: LiveOperation = { id: randomUUID(), machine: machine.name, kind, requestedBy: actor, state: 'running', steps: [], startedAt: new Date().toISOString(), finishedAt: null, abort };
    ops.set(op.id, op);
    byMachine.set(machine.name, op.id);
    op.finished = run(op, machine).then(() => op);
    return view(op);
  }

  function view(op: PowerOperation): PowerOperation {
    return { id: op.id, machine: op.machine, kind: op.kind, requestedBy: op.requestedBy, state: op.state, steps: [...op.steps], startedAt: op.startedAt, finishedAt: op.finishedAt };
  }

  function current(machine: string): PowerOperation | undefined {
    const id = byMachine.get(machine);
    const op = id ? ops.get(id) : undefined;
    return op && op.state === 'running' ? view(op) : undefined;
  }

  async function run(op: LiveOperation, machine: PowerTarget): Promise<void> {
    const signal = op.abort.signal;
    const emit = (step: PowerProgress['step'], progress: number, message: string, state: PowerProgress['state'] = 'running', error?: string) => {
      const p: PowerProgress = { machine: op.machine, operation: op.id, kind: op.kind, index: op.steps.length, step, state, message, progress, ...(error ? { error } : {}) };
      op.steps.push(p);
      if (state !== 'running') {
        op.state = state;
        op.finishedAt = new Date().toISOString();
        byMachine.delete(op.machine);
      }
      bus.emit('power.progress', p);
    };
    const check = () => {
      if (signal.aborted) throw new Stopped();
    };
    try {
      emit('start', 0, `${op.kind === 'wake' ? 'Waking' : 'Starting the worker on'} ${op.machine} (asked by ${op.requestedBy})`);
      if (deps.isLinked(machine.id)) return emit('done', 100, `${op.machine} is already online.`, 'succeeded');
      if (op.kind === 'wake') await wakeUntilAwake(machine, emit, check, signal);
      const fresh = machines.byId(machine.id) ?? machine;
      if (!deps.isLinked(machine.id) && op.kind === 'wake') {
        setPower(fresh, 'starting', 'awake; waiting for its worker to link by itself');
        emit('wait_online', 60, `Waiting up to ${config.bootstrapAfterS} s for its worker to link by itself`);
        if (await waitOnline(machine, config.bootstrapAfterS * 1000, signal)) return emit('done', 100, `${op.machine} is online.`, 'succeeded');
      }
      check();
      emit('bootstrap', 70, `Starting the worker on ${op.machine} over SSH`);
      const where = await deps.bootstrap(machines.byId(machine.id) ?? machine, signal);
      emit('bootstrap', 80, `Start command ran as ${where}; waiting for the worker to link`);
      if (await waitOnline(machine, config.wakeTimeoutS * 1000, signal)) return emit('done', 100, `${op.machine} is online.`, 'succeeded');
      check();
      throw new PiaError('worker_not_linked', `the worker started but did not link within ${config.wakeTimeoutS} s; check its log on ${op.machine}`);
    } catch (err) {
      if (err instanceof Stopped || signal.aborted) return emit('done', op.steps.at(-1)?.progress ?? 0, `Cancelled by ${op.cancelledBy ?? 'the hub'}.`, 'cancelled');
      const message = errorMessage(err);
      deps.log.warn({ machine: op.machine, err: message }, 'power operation failed');
      emit('done', op.steps.at(-1)?.progress ?? 0, `${op.kind === 'wake' ? 'Wake' : 'Bootstrap'} of ${op.machine} failed: ${message}`, 'failed', message);
    }
  }

  function setPower(m: PowerTarget, state: 'waking' | 'booting' | 'starting', evidence: string): void {
    if (machines.setPowerState(m.id, state, evidence)) bus.emit('machine.power', { machine: m.name, state, evidence });
  }

  async function wakeUntilAwake(machine: PowerTarget, emit: (s: PowerProgress['step'], p: number, m: string) => void, check: () => void, signal: AbortSignal): Promise<void> {
    // A MAC a person set wins; else the one its worker reported on its default route.
    const mac = machine.capabilities.mac ?? learnedMac(machine.facts)?.mac;
    if (!mac) {
      // Without a MAC nothing can be sent; an awake machine can still be brought online.
      const reading = await deps.prober.probe(machine);
      check();
      if (reading.powerState === 'online') return;
      if (reading.powerState === 'awake') return emit('wait_awake', 60, `${machine.name} is already awake: ${reading.evidence}`);
      throw new PiaError('mac_unknown', `no MAC address known for ${machine.name} (its worker has not reported one on its default route); set it with pia machines set ${machine.name} --mac <mac>`);
    }
    const packet = buildMagicPacket(mac, machine.capabilities.secureOn);
    const targets = planWolTargets({
      ...(machine.capabilities.ip ? { lastIp: machine.capabilities.ip } : {}),
      networks: networksOf(machine),
      machineTargets: (machine.capabilities.wolTargets ?? []).flatMap((t) => parseWolTargets(t)),
      hubTargets: config.wolTargets,
    });
    const burst = { count: config.burstCount, intervalMs: config.burstIntervalMs };
    // The hub's own burst leaves first, in this tick, before any probe: a sleeping machine gains nothing from
    // waiting, and an awake one ignores the packet. Relays are asked in parallel.
    const fromHub = deps.sender.sendBurst(packet, targets, { ...burst, signal });
    const firstProbe = deps.prober.probe(machine);
    // Let the first round leave before reading the registry for relays: that read grows with the fleet.
    await new Promise((resolve) => setImmediate(resolve));
    const online = machines.listByStatus('online').filter((m) => deps.isLinked(m.id));
    const { relays, networks } = chooseRelays(machine, online);
    const relayed = relays.map((r) =>
      deps.requests
        .ask(r.id, r.name, { type: 'power.wol', mac, ...(machine.capabilities.secureOn ? { secureOn: machine.capabilities.secureOn } : {}), targets, ...burst }, 5000)
        .then((res) => `${r.name}: ${res.message}`, (err) => `${r.name} failed: ${errorMessage(err)}`),
    );
    const hubReport = await fromHub;
    const sent = hubReport.targets.reduce((n, t) => n + t.sent, 0);
    const relayText = (await Promise.all(relayed)).join('; ');
    check();
    const hubText = sent > 0 ? `${sent} magic packets from the hub to ${hubReport.targets.filter((t) => t.sent).map((t) => formatWolTarget(t.target)).join(', ')}` : `the hub could not send: ${hubReport.targets.map((t) => t.error).filter(Boolean).join('; ')}`;
    const peerText = relays.length ? `relayed via ${relayText}` : networks.length ? `no awake peer on ${networks.join(', ')}; sent from the hub only` : 'its network is unknown; sent from the hub only';
    if (sent === 0 && !relays.length) throw new PiaError('wol_failed', hubText);
    emit('wake', 20, `Sent ${hubText}; ${peerText}`);
    const first = await firstProbe;
    check();
    if (first.powerState === 'online' || deps.isLinked(machine.id)) return;
    if (first.powerState === 'awake') return emit('wait_awake', 60, `${machine.name} is already awake: ${first.evidence}`);
    setPower(machine, 'waking', `magic packets sent at ${new Date().toISOString()}`);

    const deadline = Date.now() + config.wakeTimeoutS * 1000;
    let lastReport = Date.now();
    for (;;) {
      await sleep(config.wakePollS * 1000, signal);
      check();
      if (deps.isLinked(machine.id)) return;
      const reading = await deps.prober.probe(machine);
      if (reading.powerState === 'awake') {
        setPower(machine, 'booting', reading.evidence);
        emit('wait_awake', 60, `${machine.name} is awake: ${reading.evidence}`);
        return;
      }
      const waited = Math.round((Date.now() - (deadline - config.wakeTimeoutS * 1000)) / 1000);
      if (Date.now() >= deadline) throw new PiaError('wake_timeout', `${machine.name} did not answer within ${config.wakeTimeoutS} s (${reading.evidence}); run pia doctor ${machine.name}`);
      if (Date.now() - lastReport >= 5000) {
        lastReport = Date.now();
        emit('wait_awake', 20 + Math.round((40 * waited) / config.wakeTimeoutS), `Waiting for ${machine.name} to answer (${waited} s)`);
      }
    }
  }

  function waitOnline(machine: PowerTarget, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    if (deps.isLinked(machine.id)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (v: boolean) => {
        clearTimeout(timer);
        off();
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      };
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(deps.isLinked(machine.id)), timeoutMs);
      const off = bus.on('machine.online', (e) => e.machine === machine.name && finish(true));
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  return {
    start,
    get: (id) => {
      const op = ops.get(id);
      return op ? view(op) : undefined;
    },
    current,
    async done(id) {
      const op = ops.get(id);
      if (!op) throw new PiaError('operation_unknown', `No power operation ${id}`);
      await op.finished;
      return view(op);
    },
    cancel(id, by) {
      const op = ops.get(id);
      if (!op) throw new PiaError('operation_unknown', `No power operation ${id}`);
      if (op.state === 'running') {
        op.cancelledBy = by;
        op.abort.abort();
      }
      return view(op);
    },
    close() {
      for (const op of ops.values()) op.abort.abort();
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
