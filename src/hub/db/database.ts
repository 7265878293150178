import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

/** The registry's SQLite handle. */
export type Db = Database.Database;

/**
 * Opens (creating if needed) the hub's SQLite file in WAL mode. WAL lets the HTTP API read while the link
 * server writes; `synchronous = NORMAL` is durable across process crashes in WAL mode and far faster than FULL.
 */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}
