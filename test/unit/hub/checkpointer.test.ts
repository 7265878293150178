import { statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/common/logger.js';
import { startCheckpointer } from '../../../src/hub/db/checkpointer.js';
import { openDatabase, type Db } from '../../../src/hub/db/database.js';
import { tempDir } from '../../helpers/tmp.js';
import { until } from '../../helpers/wait.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function fill(db: Db, mb: number): void {
  const insert = db.prepare('INSERT INTO t (data) VALUES (?)');
  const row = 'x'.repeat(64 * 1024);
  db.transaction(() => {
    for (let i = 0; i < mb * 16; i++) insert.run(row);
  })();
}

describe('WAL checkpoints off the event loop', () => {
  it('a thread copies a growing WAL into the database, and the hub\'s own commits never checkpoint', async () => {
    const dir = tempDir('pia-ckpt-');
    cleanups.push(dir.cleanup);
    const file = path.join(dir.dir, 'pia.db');
    const db = openDatabase(file);
    cleanups.push(() => db.close());
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, data TEXT NOT NULL)');
    const checkpointer = startCheckpointer(db, file, silentLogger());
    cleanups.push(() => checkpointer.close());
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);

    fill(db, 4); // below the thread's threshold: nothing is copied, by the thread or by the commit
    await new Promise((r) => setTimeout(r, 600));
    expect(statSync(file).size).toBeLessThan(1024 * 1024);

    fill(db, 12); // past it: the thread starts and the rows reach the database file
    await until(() => statSync(file).size > 14 * 1024 * 1024, 10_000, 50);
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(16 * 16);
  });
});
