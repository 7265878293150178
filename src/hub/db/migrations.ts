import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PiaError } from '../../common/errors.js';
import type { Db } from './database.js';

/** One numbered SQL file from migrations/. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const fileName = /^(\d{3,})_([a-z0-9_]+)\.sql$/;

/** Reads `NNN_name.sql` files from a directory, in version order; refuses gaps and duplicates. */
export function loadMigrations(dir: string): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir)) {
    const m = fileName.exec(file);
    if (!m) continue;
    migrations.push({ version: Number(m[1]), name: m[2]!, sql: readFileSync(path.join(dir, file), 'utf8') });
  }
  migrations.sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new PiaError('migrations_invalid', `Migrations must be numbered 001, 002, ... without gaps; found ${m.version} at position ${i + 1} in ${dir}`);
    }
  });
  return migrations;
}

/**
 * Applies every migration not yet recorded, each in its own transaction together with its record, so a crash
 * leaves the schema at a whole version. A database already at a newer version than this PIA knows is refused:
 * running old code on a newer schema could corrupt it.
 * @returns the versions applied now.
 */
export function migrate(db: Db, migrations: Migration[]): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = new Set(
    db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[],
  );
  const newest = Math.max(0, ...applied);
  const known = migrations.length;
  if (newest > known) {
    throw new PiaError(
      'migrations_invalid',
      `This database is at schema version ${newest}, written by a newer PIA; this PIA knows versions up to ${known}. ` +
        'Upgrade PIA, or point PIA_DATA_DIR at another directory.',
    );
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const done: number[] = [];
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
    })();
    done.push(m.version);
  }
  return done;
}
