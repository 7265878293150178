import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../src/common/version.js';
import { openDatabase } from '../../../src/hub/db/database.js';
import { loadMigrations, migrate } from '../../../src/hub/db/migrations.js';
import { readOutput } from '../../../src/hub/tasks/task-store.js';
import { tempDir } from '../../helpers/tmp.js';

const dirs: Array<{ cleanup: () => void }> = [];
afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()));

describe('output stored before blocks', () => {
  it('is carried into blocks by the migration and reads back exactly as before', () => {
    const tmp = tempDir();
    dirs.push(tmp);
    const db = openDatabase(path.join(tmp.dir, 'pia.db'));
    const all = loadMigrations(path.join(projectRoot, 'migrations'));
    const before = all.findIndex((m) => m.name === 'output_blocks');
    expect(before).toBeGreaterThan(0);
    migrate(db, all.slice(0, before));
    db.prepare("INSERT INTO machines (id, name, created_at) VALUES (1, 'm1', '2026-01-01T00:00:00Z')").run();
    const task = db.prepare(`INSERT INTO tasks (id, machine_id, machine_name, kind, state, requester, origin, timeout_s, created_at, output_seq, output_bytes)
      VALUES (?, 1, 'm1', 'run', 'succeeded', 'ada', '{"kind":"cli"}', 60, '2026-01-01T00:00:00Z', 3, ?)`);
    const chunks = [
      { seq: 1, offset: 0, stream: 'event', data: '{"kind":"step","step":"agent_started","message":"go"}\n', at: 1_765_000_000_001 },
      { seq: 2, offset: 55, stream: 'stdout', data: 'üñï 漢字 🙂\n', at: 1_765_000_000_002 },
      { seq: 3, offset: 55 + Buffer.byteLength('üñï 漢字 🙂\n'), stream: 'stderr', data: 'warning\n', at: 1_765_000_000_003 },
    ];
    task.run('oldtask001', chunks.reduce((n, c) => n + Buffer.byteLength(c.data), 0));
    const insert = db.prepare('INSERT INTO task_output (task_id, seq, offset, stream, data, at) VALUES (?, ?, ?, ?, ?, ?)');
    for (const c of chunks) insert.run('oldtask001', c.seq, c.offset, c.stream, c.data, c.at);

    migrate(db, all);
    expect(readOutput(db, 'oldtask001', 1, 100)).toEqual(chunks);
    expect(readOutput(db, 'oldtask001', 2, 1)).toEqual([chunks[1]]);
    const disk = db.prepare<[], number>("SELECT output_disk_bytes FROM tasks WHERE id = 'oldtask001'").pluck().get();
    expect(disk).toBe(chunks.reduce((n, c) => n + Buffer.byteLength(c.data) + 11, 0));
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'task_output'").pluck().get()).toBe(0);
    db.close();
  });
});
