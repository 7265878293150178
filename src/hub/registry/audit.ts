import type { Db } from '../db/database.js';

/** One line of the audit log. */
export interface AuditEntry {
  id: number;
  at: string;
  /** Who: `admin-token`, `slack:U123`, `email:a@b.c`, `worker:m2`, ... */
  actor: string;
  action: string;
  target: string | null;
  outcome: 'ok' | 'refused' | 'failed';
  detail: string | null;
  /** Where it was asked: `http`, `cli`, `slack:C1/1700000.1`, ... */
  origin: string | null;
}

/** Input for {@link AuditLog.record}. */
export type AuditRecord = Omit<AuditEntry, 'id' | 'at' | 'target' | 'detail' | 'origin'> &
  Partial<Pick<AuditEntry, 'target' | 'detail' | 'origin'>>;

/** The audit log: every action and every refusal, append-only. */
export interface AuditLog {
  /** Appends one entry. */
  record(entry: AuditRecord): void;
  /** Runs `work` and records it: `ok`, or `failed` with the error's message (which is rethrown). */
  around<T>(actor: { id: string; origin: string }, action: string, target: string, work: () => T): T;
  /** The newest entries first; with `target`, only those about it (a machine, and its tasks `m2/<id>`). */
  list(limit?: number, target?: string): AuditEntry[];
}

/** Creates the audit log over an open, migrated database. */
export function createAuditLog(db: Db, now: () => Date = () => new Date()): AuditLog {
  const insert = db.prepare(`INSERT INTO audit_log (at, actor, action, target, outcome, detail, origin)
      VALUES (@at, @actor, @action, @target, @outcome, @detail, @origin)`);
  const recent = db.prepare<[number], AuditEntry>('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?');
  const about = db.prepare<[string, string, number], AuditEntry>("SELECT * FROM audit_log WHERE target = ? OR target LIKE ? ESCAPE '\\' ORDER BY id DESC LIMIT ?");
  return {
    /** Appends one entry. */
    record(entry: AuditRecord): void {
      insert.run({ target: null, detail: null, origin: null, ...entry, at: now().toISOString() });
    },
    /** Runs `work` and records it: `ok`, or `failed` with the error's message (which is rethrown). */
    around<T>(actor: { id: string; origin: string }, action: string, target: string, work: () => T): T {
      try {
        const result = work();
        insert.run({ target, detail: null, actor: actor.id, origin: actor.origin, action, outcome: 'ok', at: now().toISOString() });
        return result;
      } catch (err) {
        insert.run({ target, detail: (err as Error).message, actor: actor.id, origin: actor.origin, action, outcome: 'failed', at: now().toISOString() });
        throw err;
      }
    },
    /** The newest entries first; with `target`, only those about it. */
    list(limit = 100, target?: string): AuditEntry[] {
      const n = Math.min(Math.max(1, limit), 10_000);
      if (target === undefined) return recent.all(n);
      return about.all(target, `${target.replace(/[\\%_]/g, (c) => `\\${c}`)}/%`, n);
    },
  };
}
