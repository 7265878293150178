import Database from 'better-sqlite3';
import path from 'node:path';
import { tokenIn } from './bench-mail.js';

/** What the hub's database says about the mail of one machine, read after the hub has stopped. */
export interface StoredMail {
  /** Tasks on the machine, per token in their prompt. */
  tasksPerToken: Map<string, number>;
  /** Tasks on the machine whose prompt has no token of this run. */
  otherTasks: number;
  /** mail_inbound rows by outcome, and how many are recorded as filed (flagged and moved). */
  inboundByOutcome: Record<string, number>;
  inboundFiled: number;
  /** Acknowledgements in the outbox, by state (sent, pending, failed). */
  acksByState: Record<string, number>;
}

/** A read-only view of a hub's SQLite file that may still be written (WAL mode: readers never block the hub). */
export function openHubDb(dataDir: string): Database.Database {
  return new Database(path.join(dataDir, 'pia.db'), { readonly: true, fileMustExist: true });
}

/** Tasks created so far on one machine: cheap enough to poll while the hub drains. */
export function countTasks(db: Database.Database, machine: string): number {
  return db.prepare<[string], number>('SELECT count(*) FROM tasks WHERE machine_name = ?').pluck().get(machine) ?? 0;
}

function countBy(rows: { key: string; n: number }[]): Record<string, number> {
  return Object.fromEntries(rows.map((r) => [r.key, r.n]));
}

/** Reads tasks, inbound records and acknowledgements of `machine` whose prompts carry a token of `run`. */
export function readStoredMail(dataDir: string, machine: string, run: string): StoredMail {
  const db = openHubDb(dataDir);
  try {
    const prompts = db.prepare<[string], string | null>('SELECT prompt FROM tasks WHERE machine_name = ?').pluck().all(machine);
    const tasksPerToken = new Map<string, number>();
    let otherTasks = 0;
    for (const p of prompts) {
      const token = tokenIn(p);
      if (token?.startsWith(`${run}-`)) tasksPerToken.set(token, (tasksPerToken.get(token) ?? 0) + 1);
      else otherTasks++;
    }
    const inbound = db.prepare('SELECT outcome AS key, count(*) AS n FROM mail_inbound GROUP BY outcome').all() as { key: string; n: number }[];
    const filed = db.prepare<[], number>('SELECT count(*) FROM mail_inbound WHERE filed = 1').pluck().get() ?? 0;
    const acks = db.prepare("SELECT state AS key, count(*) AS n FROM mail_outbox WHERE kind = 'ack' GROUP BY state").all() as { key: string; n: number }[];
    return { tasksPerToken, otherTasks, inboundByOutcome: countBy(inbound), inboundFiled: filed, acksByState: countBy(acks) };
  } finally {
    db.close();
  }
}
