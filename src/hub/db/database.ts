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
  // Most bytes in here are task output in rows of up to 64 KB: with 16 KB pages each is a short overflow chain
  // instead of a long one (about 3x less CPU per stored byte than 4 KB pages). Takes effect on a new file only.
  db.pragma('page_size = 16384');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}
