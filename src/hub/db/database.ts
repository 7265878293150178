import Database from 'better-sqlite3';
import path from 'node:path';
import { ensurePrivateDir, ensurePrivateFile, stderrNotice, tightenIfPresent, type Notice } from './private-files.js';

/** The registry's SQLite handle. */
export type Db = Database.Database;

/**
 * Opens (creating if needed) the hub's SQLite file in WAL mode. WAL lets the HTTP API read while the link
 * server writes; `synchronous = NORMAL` is durable across process crashes in WAL mode and far faster than FULL.
 *
 * Only the hub's user may read it: its folder is 0700 and the file 0600, created so before SQLite opens it (SQLite
 * gives the -wal and -shm files the database file's mode); an older, wider folder or file is tightened and
 * `onNotice` says so (default: a line on stderr).
 */
export function openDatabase(file: string, opts: { onNotice?: Notice } = {}): Db {
  const onNotice = opts.onNotice ?? stderrNotice;
  if (file !== ':memory:') {
    ensurePrivateDir(path.dirname(file), onNotice);
    ensurePrivateFile(file, onNotice);
    for (const extra of [`${file}-wal`, `${file}-shm`, `${file}-journal`]) tightenIfPresent(extra, onNotice);
  }
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
