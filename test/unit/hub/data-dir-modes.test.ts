import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveAdminToken } from '../../../src/hub/admin-token.js';
import { openDatabase } from '../../../src/hub/db/database.js';
import { tempDir } from '../../helpers/tmp.js';

// The database holds every task's output and the machines' credential hashes; the admin token is the key to all of
// it. Other local users must not read them, whatever umask the hub was started with.
const tmp = tempDir('pia-modes-');
afterAll(() => tmp.cleanup());
const mode = (p: string) => statSync(p).mode & 0o777;
let umask: number;
beforeEach(() => {
  umask = process.umask(0o022); // the common default: files 0644, directories 0755
});
afterEach(() => {
  process.umask(umask);
});

describe.skipIf(process.platform === 'win32')('the hub data dir and its files', () => {
  it('a new data dir is 0700 and the database, its WAL and shared-memory files are 0600', () => {
    const dir = path.join(tmp.dir, 'fresh', 'data');
    const notices: string[] = [];
    const db = openDatabase(path.join(dir, 'pia.db'), { onNotice: (m) => notices.push(m) });
    db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    expect(mode(dir)).toBe(0o700);
    for (const file of ['pia.db', 'pia.db-wal', 'pia.db-shm']) expect(mode(path.join(dir, file)), file).toBe(0o600);
    db.close();
    expect(notices).toEqual([]);
  });

  it('tightens an existing data dir and database that others could read, and says so', () => {
    const dir = path.join(tmp.dir, 'old');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    for (const file of ['pia.db', 'pia.db-wal', 'pia.db-shm']) writeFileSync(path.join(dir, file), '', { mode: 0o644 });
    const notices: string[] = [];
    const db = openDatabase(path.join(dir, 'pia.db'), { onNotice: (m) => notices.push(m) });
    db.exec('CREATE TABLE t (x)');
    expect(mode(dir)).toBe(0o700);
    for (const file of ['pia.db', 'pia.db-wal', 'pia.db-shm']) expect(mode(path.join(dir, file)), file).toBe(0o600);
    db.close();
    expect(notices).toEqual([
      `${dir} could be read by other users (mode 755): now 700, so only its owner reads the hub's database and tokens.`,
      `${path.join(dir, 'pia.db')} could be read by other users (mode 644): now 600.`,
      `${path.join(dir, 'pia.db-wal')} could be read by other users (mode 644): now 600.`,
      `${path.join(dir, 'pia.db-shm')} could be read by other users (mode 644): now 600.`,
    ]);
  });

  it('the generated admin token is 0600 in a 0700 data dir, even with a permissive umask', () => {
    process.umask(0);
    const dir = path.join(tmp.dir, 'token', 'data');
    const notices: string[] = [];
    const { created } = resolveAdminToken(undefined, dir, (m) => notices.push(m));
    expect(created).toBe(true);
    expect(mode(dir)).toBe(0o700);
    expect(mode(path.join(dir, 'admin-token'))).toBe(0o600);
    expect(notices).toEqual([]);

    // A token file from an older version, readable by all, is tightened when the hub reads it.
    chmodSync(path.join(dir, 'admin-token'), 0o644);
    chmodSync(dir, 0o755);
    expect(resolveAdminToken(undefined, dir, (m) => notices.push(m)).created).toBe(false);
    expect(mode(dir)).toBe(0o700);
    expect(mode(path.join(dir, 'admin-token'))).toBe(0o600);
    expect(notices).toHaveLength(2);
  });
});
