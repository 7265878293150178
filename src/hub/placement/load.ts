import type { Db } from '../db/database.js';
import type { HubEvents } from '../events.js';
import type { LoadReader } from './placement.js';

type Load = { active: number; queued: number };
type Events = Pick<HubEvents, 'task.created' | 'task.dispatched' | 'task.finished' | 'machine.online'>;

/** How busy each machine is, kept current in memory from the task events. */
export interface LoadTracker {
  read: LoadReader;
  /** Reads the counts again from SQLite. */
  resync(): void;
  close(): void;
}

/**
 * Creates the tracker. A decision must not query SQLite: with thousands of unfinished tasks that costs
 * milliseconds. The counts follow the task events (created: one more waiting; dispatched: running; finished: one
 * less) and are read again from SQLite when a machine links (its worker's ledger may requeue tasks) and every
 * `resyncMs`, so a missed event never lasts.
 */
export function createLoadTracker(deps: {
  db: Db;
  bus: { on<K extends keyof Events>(name: K, listener: (data: Events[K]) => void): () => void };
  resyncMs?: number;
}): LoadTracker {
  const q = deps.db.prepare<[], { machine_name: string; active: number; queued: number }>(`
    SELECT machine_name, sum(state <> 'queued') AS active, sum(state = 'queued') AS queued
    FROM tasks WHERE state IN ('queued', 'dispatched', 'running') GROUP BY machine_name`);
  let counts = new Map<string, Load>();
  const of = (machine: string) => {
    let l = counts.get(machine);
    if (!l) counts.set(machine, (l = { active: 0, queued: 0 }));
    return l;
  };
  const resync = () => {
    const next = new Map<string, Load>();
    for (const r of q.all()) next.set(r.machine_name, { active: r.active, queued: r.queued });
    counts = next;
  };
  resync();
  const offs = [
    deps.bus.on('task.created', ({ task }) => void of(task.machine).queued++),
    deps.bus.on('task.dispatched', ({ machine }) => {
      const l = of(machine);
      l.queued = Math.max(0, l.queued - 1);
      l.active++;
    }),
    deps.bus.on('task.finished', ({ task }) => {
      const l = of(task.machine);
      if (task.dispatchedAt) l.active = Math.max(0, l.active - 1);
      else l.queued = Math.max(0, l.queued - 1);
    }),
    deps.bus.on('machine.online', resync),
  ];
  const timer = setInterval(resync, deps.resyncMs ?? 30_000);
  timer.unref();
  return {
    read: () => counts,
    resync,
    close() {
      clearInterval(timer);
      for (const off of offs) off();
    },
  };
}
