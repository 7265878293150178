import type { Db } from '../db/database.js';

/** A schedule as stored. Times are epoch milliseconds. */
export interface Schedule {
  id: number;
  name: string;
  cron: string;
  tz: string;
  command: string;
  owner: string;
  report: string | null;
  paused: boolean;
  pausedReason: string | null;
  nextRunAt: number | null;
  lastRunAt: number | null;
  lastOutcome: string | null;
  createdAt: string;
  createdBy: string;
}

interface Row {
  id: number;
  name: string;
  cron: string;
  tz: string;
  command: string;
  owner: string;
  report: string | null;
  paused: number;
  paused_reason: string | null;
  next_run_at: number | null;
  last_run_at: number | null;
  last_outcome: string | null;
  created_at: string;
  created_by: string;
}

const fromRow = (r: Row): Schedule => ({
  id: r.id,
  name: r.name,
  cron: r.cron,
  tz: r.tz,
  command: r.command,
  owner: r.owner,
  report: r.report,
  paused: r.paused !== 0,
  pausedReason: r.paused_reason,
  nextRunAt: r.next_run_at,
  lastRunAt: r.last_run_at,
  lastOutcome: r.last_outcome,
  createdAt: r.created_at,
  createdBy: r.created_by,
});

/** How a firing ended. */
export type RunOutcome = 'firing' | 'started' | 'refused' | 'failed' | 'missed' | 'paused';

/** The schedules tables. */
export interface ScheduleStore {
  insert(s: Omit<Schedule, 'id' | 'paused' | 'pausedReason' | 'lastRunAt' | 'lastOutcome'>): Schedule;
  byName(name: string): Schedule | undefined;
  list(): Schedule[];
  /** Active schedules due at `now`, earliest first. */
  due(now: number): Schedule[];
  /** The earliest due time of an active schedule. */
  nextDue(): number | undefined;
  setPaused(id: number, paused: boolean, reason: string | null, nextRunAt: number | null): void;
  remove(id: number): boolean;
  /**
   * Records a firing before anything acts, in one transaction: the run row (whose key forbids a second one for the
   * same due time) and the move of `next_run_at` past it, only if it is still `expectedNext`. False when another
   * firing (or a restart's) got there first: then nothing must act.
   */
  claim(id: number, expectedNext: number, dueAt: number, firedAt: number, nextRunAt: number | null, outcome: RunOutcome, detail?: string): boolean;
  /** Records how a claimed firing ended. */
  finish(id: number, dueAt: number, outcome: RunOutcome, detail: string | null): void;
  /** The recorded firings of a schedule, newest first. */
  runs(id: number, limit?: number): Array<{ dueAt: number; firedAt: number; outcome: RunOutcome; detail: string | null }>;
}

/** Creates the store over an open, migrated database. */
export function createScheduleStore(db: Db): ScheduleStore {
  const insert = db.prepare(`INSERT INTO schedules (name, cron, tz, command, owner, report, next_run_at, created_at, created_by)
      VALUES (@name, @cron, @tz, @command, @owner, @report, @nextRunAt, @createdAt, @createdBy)`);
  const byName = db.prepare<[string], Row>('SELECT * FROM schedules WHERE name = ?');
  const byId = db.prepare<[number], Row>('SELECT * FROM schedules WHERE id = ?');
  const all = db.prepare<[], Row>('SELECT * FROM schedules ORDER BY name');
  const due = db.prepare<[number], Row>('SELECT * FROM schedules WHERE paused = 0 AND next_run_at <= ? ORDER BY next_run_at, id');
  const nextDue = db.prepare<[], number | null>('SELECT min(next_run_at) FROM schedules WHERE paused = 0').pluck();
  const setPaused = db.prepare('UPDATE schedules SET paused = ?, paused_reason = ?, next_run_at = ? WHERE id = ?');
  const del = db.prepare('DELETE FROM schedules WHERE id = ?');
  const addRun = db.prepare('INSERT OR IGNORE INTO schedule_runs (schedule_id, due_at, fired_at, outcome, detail) VALUES (?, ?, ?, ?, ?)');
  const advance = db.prepare('UPDATE schedules SET next_run_at = ?, last_run_at = ?, last_outcome = ? WHERE id = ? AND next_run_at = ? AND paused = 0');
  const endRun = db.prepare('UPDATE schedule_runs SET outcome = ?, detail = ? WHERE schedule_id = ? AND due_at = ?');
  const lastOutcome = db.prepare('UPDATE schedules SET last_outcome = ? WHERE id = ? AND last_run_at = ?');
  const runs = db.prepare<[number, number], { due_at: number; fired_at: number; outcome: RunOutcome; detail: string | null }>(
    'SELECT due_at, fired_at, outcome, detail FROM schedule_runs WHERE schedule_id = ? ORDER BY due_at DESC LIMIT ?',
  );

  const claim = db.transaction((id: number, expectedNext: number, dueAt: number, firedAt: number, nextRunAt: number | null, outcome: RunOutcome, detail?: string) => {
    if (addRun.run(id, dueAt, firedAt, outcome, detail ?? null).changes === 0) return false;
    if (advance.run(nextRunAt, dueAt, outcome, id, expectedNext).changes === 0) throw new Lost();
    return true;
  });

  return {
    insert(s) {
      const id = Number(insert.run({ ...s }).lastInsertRowid);
      return fromRow(byId.get(id)!);
    },
    byName: (name) => {
      const r = byName.get(name);
      return r ? fromRow(r) : undefined;
    },
    list: () => all.all().map(fromRow),
    due: (now) => due.all(now).map(fromRow),
    nextDue: () => nextDue.get() ?? undefined,
    setPaused(id, paused, reason, nextRunAt) {
      setPaused.run(paused ? 1 : 0, reason, nextRunAt, id);
    },
    remove: (id) => del.run(id).changes > 0,
    claim(...args) {
      try {
        return claim(...args);
      } catch (err) {
        // The schedule moved on (or was paused) in between: the transaction rolled the run row back.
        if (err instanceof Lost) return false;
        throw err;
      }
    },
    finish(id, dueAt, outcome, detail) {
      db.transaction(() => {
        endRun.run(outcome, detail, id, dueAt);
        lastOutcome.run(outcome, id, dueAt);
      })();
    },
    runs: (id, limit = 20) => runs.all(id, limit).map((r) => ({ dueAt: r.due_at, firedAt: r.fired_at, outcome: r.outcome, detail: r.detail })),
  };
}

class Lost extends Error {}
