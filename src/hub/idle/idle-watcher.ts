import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { HubEvents } from '../events.js';
import type { Machine } from '../registry/machine.js';

/** What idle sleep asks of power: the worker's own sleep or shutdown, refused by the worker while someone is logged in. */
export interface IdlePower {
  command(name: string, action: 'sleep' | 'shutdown', actor: { id: string; origin: string }, opts: { unlessLoggedIn: boolean }): Promise<{ ok: boolean; message: string }>;
}

/** Puts idle machines to sleep, for those that opted in (and those PIA woke for a task, when they asked for it). */
export interface IdleWatcher {
  /** A task was queued for this offline machine and PIA is waking it: it may be put back to sleep after. */
  wokenForTask(machineId: number): void;
  /** Looks at every linked machine once (the timer does this every PIA_IDLE_CHECK_S). */
  check(): Promise<void>;
  close(): void;
}

interface Watched {
  id: number;
  name: string;
  idleAfterMs: number | undefined;
  afterWake: boolean;
  action: 'sleep' | 'shutdown';
  force: boolean;
  /** When something last happened on it: linked, a task queued, started or ended, an approval asked or answered. */
  lastActivity: number;
  wokenForTask: boolean;
  /** A sleep was asked and answered yes: nothing more until it links again. */
  asked: boolean;
}

type Events = Pick<
  HubEvents,
  'machine.online' | 'machine.offline' | 'machine.updated' | 'machine.removed' | 'task.created' | 'task.dispatched' | 'task.started' | 'task.finished' | 'approval.requested' | 'approval.settled'
>;

/**
 * Creates the watcher. A machine with `--sleep-when-idle` is put to sleep (or shut down, as configured) through its
 * worker once it has had no task running, dispatched or waiting for it, and no approval waiting for a person, for
 * that long. A machine PIA woke for a task,
 * with `--sleep-after-wake`, goes back to sleep `afterWakeMs` after its last task ends. The worker refuses while a
 * person is logged in (unless `--idle-force`); the watcher then waits a whole idle period before asking again.
 */
export function createIdleWatcher(deps: {
  machines: { find(name: string): Machine | undefined; byId(id: number): Machine | undefined };
  /** Unfinished tasks of a machine (queued, dispatched, running). */
  pending(machineId: number): number;
  /** Approvals of a machine's tasks that wait for a person: an agent waiting for an answer is not idle. */
  waitingApprovals(machine: string): number;
  power: IdlePower;
  bus: { on<K extends keyof Events>(name: K, listener: (data: Events[K]) => void): () => void };
  now: () => number;
  checkMs: number;
  /** How long after its last task a machine woken for it goes back to sleep. */
  afterWakeMs: number;
  log: Logger;
}): IdleWatcher {
  const { now, log } = deps;
  const watched = new Map<string, Watched>();
  const woken = new Set<number>();
  let checking: Promise<void> | undefined;

  function track(name: string): void {
    const m = deps.machines.find(name);
    const old = watched.get(name);
    if (!m || m.status !== 'online') {
      watched.delete(name);
      return;
    }
    const c = m.capabilities;
    watched.set(name, {
      id: m.id,
      name: m.name,
      idleAfterMs: c.sleepWhenIdleS !== undefined ? c.sleepWhenIdleS * 1000 : undefined,
      afterWake: c.sleepAfterWake === true,
      action: c.idleAction ?? 'sleep',
      force: c.idleForce === true,
      lastActivity: old?.lastActivity ?? now(),
      wokenForTask: old?.wokenForTask ?? woken.has(m.id),
      asked: old?.asked ?? false,
    });
  }
  const touch = (name: string) => {
    const w = watched.get(name);
    if (w) w.lastActivity = now();
  };

  const offs = [
    deps.bus.on('machine.online', (e) => {
      watched.delete(e.machine);
      track(e.machine);
    }),
    deps.bus.on('machine.offline', (e) => watched.delete(e.machine)),
    deps.bus.on('machine.removed', (e) => watched.delete(e.machine)),
    deps.bus.on('machine.updated', (e) => e.what === 'capabilities' && watched.has(e.machine) && track(e.machine)),
    deps.bus.on('task.created', (e) => touch(e.task.machine)),
    deps.bus.on('task.dispatched', (e) => touch(e.machine)),
    deps.bus.on('task.started', (e) => touch(e.machine)),
    deps.bus.on('task.finished', (e) => touch(e.task.machine)),
    deps.bus.on('approval.requested', (e) => touch(e.approval.machine)),
    deps.bus.on('approval.settled', (e) => touch(e.approval.machine)),
  ];

  async function checkOne(w: Watched): Promise<void> {
    if (w.asked) return;
    const limit = w.wokenForTask && w.afterWake ? Math.min(deps.afterWakeMs, w.idleAfterMs ?? Infinity) : w.idleAfterMs;
    if (limit === undefined) return;
    if (deps.pending(w.id) > 0 || deps.waitingApprovals(w.name) > 0) {
      w.lastActivity = now();
      return;
    }
    const idle = now() - w.lastActivity;
    if (idle < limit) return;
    const why = w.wokenForTask && w.afterWake ? 'woken for a task, which has ended' : `idle for ${Math.round(idle / 60_000)} min`;
    try {
      const answer = await deps.power.command(w.name, w.action, { id: 'hub', origin: `idle: ${why}` }, { unlessLoggedIn: !w.force });
      if (answer.ok) {
        w.asked = true;
        w.wokenForTask = false;
        woken.delete(w.id);
        log.info({ machine: w.name, action: w.action, why }, 'idle machine put to sleep');
      } else {
        // Someone is logged in (or the command failed): wait a whole period before asking again.
        w.lastActivity = now();
        log.info({ machine: w.name, answer: answer.message }, 'idle sleep refused by the machine');
      }
    } catch (err) {
      w.lastActivity = now();
      log.warn({ machine: w.name, err: errorMessage(err) }, 'idle sleep failed');
    }
  }

  async function check(): Promise<void> {
    checking ??= (async () => {
      for (const w of [...watched.values()]) await checkOne(w);
    })().finally(() => {
      checking = undefined;
    });
    return checking;
  }

  const timer = setInterval(() => void check(), deps.checkMs);
  timer.unref();

  return {
    wokenForTask(machineId) {
      woken.add(machineId);
      for (const w of watched.values()) if (w.id === machineId) w.wokenForTask = true;
    },
    check,
    close() {
      clearInterval(timer);
      for (const off of offs) off();
    },
  };
}
