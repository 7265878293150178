import type { Db } from '../db/database.js';
import type { PowerProgress } from '../../power/progress.js';

/** What a wake is guessed to take on a machine never woken yet. */
export const DEFAULT_WAKE_MS = 60_000;
/** Wakes a median is taken over. */
const KEEP = 10;

/** Measured wake times: how long a machine takes from the first magic packet to its worker linked. */
export interface WakeTimes {
  /** The median of its last wakes, or the default. */
  estimate(machineId: number): { ms: number; measured: boolean };
  /** Records one successful wake. */
  record(machineId: number, ms: number): void;
  close(): void;
}

/**
 * Creates the record. It listens to `power.progress`: the time between an operation's first step and its successful
 * end is a wake's duration (a wake of a machine that was already online is not one). Kept in SQLite, so the
 * estimate survives restarts; read once per machine, then from memory.
 */
export function createWakeTimes(deps: {
  db: Db;
  bus: { on(name: 'power.progress', listener: (p: PowerProgress) => void): () => void };
  machineId: (name: string) => number | undefined;
  now?: () => number;
}): WakeTimes {
  const now = deps.now ?? Date.now;
  const insert = deps.db.prepare('INSERT INTO machine_wakes (machine_id, at, ms) VALUES (?, ?, ?)');
  const recent = deps.db.prepare<[number, number], number>('SELECT ms FROM machine_wakes WHERE machine_id = ? ORDER BY at DESC, rowid DESC LIMIT ?').pluck();
  const trim = deps.db.prepare(`DELETE FROM machine_wakes WHERE machine_id = ? AND rowid NOT IN
      (SELECT rowid FROM machine_wakes WHERE machine_id = ? ORDER BY at DESC, rowid DESC LIMIT ${KEEP})`);
  const cache = new Map<number, number[]>();
  const medians = new Map<number, { ms: number; measured: boolean }>();
  const started = new Map<string, number>();

  const lastOf = (id: number) => {
    let list = cache.get(id);
    if (!list) cache.set(id, (list = recent.all(id, KEEP).reverse()));
    return list;
  };

  const times: WakeTimes = {
    estimate(machineId) {
      const known = medians.get(machineId);
      if (known) return known;
      const list = lastOf(machineId);
      const sorted = [...list].sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      const m = list.length === 0 ? { ms: DEFAULT_WAKE_MS, measured: false } : { ms: sorted.length % 2 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2), measured: true };
      medians.set(machineId, m);
      return m;
    },
    record(machineId, ms) {
      medians.delete(machineId);
      const list = lastOf(machineId);
      list.push(Math.round(ms));
      if (list.length > KEEP) list.shift();
      insert.run(machineId, new Date(now()).toISOString(), Math.round(ms));
      trim.run(machineId, machineId);
    },
    close: () => off(),
  };

  const off = deps.bus.on('power.progress', (p) => {
    if (p.kind !== 'wake') return;
    if (p.step === 'start') started.set(p.operation, now());
    if (p.step !== 'done') return;
    const from = started.get(p.operation);
    started.delete(p.operation);
    // index 1: the step right after "start" is the end, so the machine was online already.
    if (from === undefined || p.state !== 'succeeded' || p.index <= 1) return;
    const id = deps.machineId(p.machine);
    if (id !== undefined) times.record(id, now() - from);
  });
  return times;
}
