import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../src/common/version.js';
import { openDatabase } from '../../../src/hub/db/database.js';
import { loadMigrations, migrate } from '../../../src/hub/db/migrations.js';
import { tempDir } from '../../helpers/tmp.js';

const dirs: Array<{ cleanup: () => void }> = [];
afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()));

function setup(files: Record<string, string>) {
  const tmp = tempDir();
  dirs.push(tmp);
  const migrations = path.join(tmp.dir, 'migrations');
  mkdirSync(migrations);
  for (const [name, sql] of Object.entries(files)) writeFileSync(path.join(migrations, name), sql);
  return { migrations, dbFile: path.join(tmp.dir, 'pia.db') };
}

describe('migrations', () => {
  it('applies each file once, in numeric order, and records it', () => {
    const { migrations, dbFile } = setup({
      '002_second.sql': 'INSERT INTO log VALUES (2);',
      '001_first.sql': 'CREATE TABLE log (n INTEGER); INSERT INTO log VALUES (1);',
      '010_ignored.txt': 'not sql',
      '003_third.sql': 'INSERT INTO log VALUES (3);',
    });
    const db = openDatabase(dbFile);
    expect(migrate(db, loadMigrations(migrations))).toEqual([1, 2, 3]);
    expect(migrate(db, loadMigrations(migrations))).toEqual([]);
    expect(db.prepare('SELECT n FROM log').pluck().all()).toEqual([1, 2, 3]);
    expect(db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all()).toEqual([
      { version: 1, name: 'first' },
      { version: 2, name: 'second' },
      { version: 3, name: 'third' },
    ]);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('rolls back a failing migration whole and leaves the earlier ones applied', () => {
    const { migrations, dbFile } = setup({
      '001_ok.sql': 'CREATE TABLE a (n INTEGER);',
      '002_broken.sql': 'CREATE TABLE b (n INTEGER); INSERT INTO nowhere VALUES (1);',
    });
    const db = openDatabase(dbFile);
    expect(() => migrate(db, loadMigrations(migrations))).toThrow(/no such table: nowhere/);
    expect(db.prepare('SELECT version FROM schema_migrations').pluck().all()).toEqual([1]);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'b'").get()).toBeUndefined();
    db.close();
  });

  it('refuses a database written by a newer PIA, naming both versions', () => {
    const { migrations, dbFile } = setup({ '001_only.sql': 'CREATE TABLE a (n INTEGER);' });
    const db = openDatabase(dbFile);
    migrate(db, loadMigrations(migrations));
    db.prepare('INSERT INTO schema_migrations VALUES (7, ?, ?)').run('future', new Date().toISOString());
    expect(() => migrate(db, loadMigrations(migrations))).toThrow(
      'This database is at schema version 7, written by a newer PIA; this PIA knows versions up to 1. Upgrade PIA, or point PIA_DATA_DIR at another directory.',
    );
    db.close();
  });

  it('refuses gaps in the numbering', () => {
    const { migrations } = setup({ '001_a.sql': '', '003_c.sql': '' });
    expect(() => loadMigrations(migrations)).toThrow(/without gaps; found 3 at position 2/);
  });

  it("the project's own migrations apply to an empty database", () => {
    const tmp = tempDir();
    dirs.push(tmp);
    const db = openDatabase(path.join(tmp.dir, 'pia.db'));
    const applied = migrate(db, loadMigrations(path.join(projectRoot, 'migrations')));
    expect(applied[0]).toBe(1);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['machines', 'machine_aliases', 'machine_credentials', 'audit_log']));
    db.close();
  });
});
