import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { projectRoot } from '../../../src/common/version.js';
import { openDatabase } from '../../../src/hub/db/database.js';
import { loadMigrations, migrate } from '../../../src/hub/db/migrations.js';
import { createMachineStore } from '../../../src/hub/registry/machines.js';
import { sampleFacts } from '../../helpers/raw-link.js';
import { startTestHub } from '../../helpers/hub.js';
import { tempDir } from '../../helpers/tmp.js';
import { nextEvent, until } from '../../helpers/wait.js';
import { testWorker } from '../../helpers/worker.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('hub restart', () => {
  it('a machine left online by a hub that died is offline with unknown power when the hub starts again', async () => {
    const data = tempDir();
    cleanups.push(data.cleanup);
    // Write the state a killed hub leaves behind: status online in the database, no process to clear it.
    const db = openDatabase(path.join(data.dir, 'pia.db'));
    migrate(db, loadMigrations(path.join(projectRoot, 'migrations')));
    const machines = createMachineStore(db);
    const m = machines.create('orphan');
    machines.markOnline(m.id, sampleFacts());
    expect(machines.get('orphan').status).toBe('online');
    db.close();

    const hub = await startTestHub({ dataDir: data.dir });
    cleanups.push(() => hub.stop());
    const { body } = await hub.api<{ machine: { status: string; powerState: string; powerEvidence: string } }>('GET', '/api/machines/orphan');
    expect(body.machine).toMatchObject({ status: 'offline', powerState: 'unknown', powerEvidence: 'hub restarted; no worker linked yet' });
  });

  it('a clean hub stop records every linked machine as offline', async () => {
    const data = tempDir();
    cleanups.push(data.cleanup);
    const t = await startTestHub({ dataDir: data.dir });
    const { body } = await t.api<{ joinToken: string }>('POST', '/api/machines', { name: 'leaver' });
    const worker = testWorker({ hub: t.linkUrl, join: body.joinToken });
    cleanups.push(() => worker.stop());
    const online = nextEvent(t.pia.events, 'machine.online');
    void worker.run();
    await online;
    await t.stop();
    const db = openDatabase(path.join(data.dir, 'pia.db'));
    const row = db.prepare("SELECT status, power_evidence FROM machines WHERE name = 'leaver'").get();
    db.close();
    expect(row).toEqual({ status: 'offline', power_evidence: 'hub stopped' });
  });

  it('workers reconnect by themselves after the hub restarts on the same port and database', async () => {
    const data = tempDir();
    cleanups.push(data.cleanup);
    const first = await startTestHub({ dataDir: data.dir });
    const { body } = await first.api<{ joinToken: string }>('POST', '/api/machines', { name: 'phoenix' });
    const worker = testWorker({ hub: first.linkUrl, join: body.joinToken });
    cleanups.push(() => worker.stop());
    const online = nextEvent(first.pia.events, 'machine.online');
    void worker.run();
    await online;
    await until(() => worker.link.linked);

    await first.stop();
    await until(() => !worker.link.linked);

    const second = await startTestHub({ dataDir: data.dir, env: { PIA_PORT: String(first.port) } });
    cleanups.push(() => second.stop());
    await nextEvent(second.pia.events, 'machine.online', (e) => e.machine === 'phoenix', 8000);
    const { body: after } = await second.api<{ machines: Array<{ name: string; status: string }> }>('GET', '/api/machines');
    expect(after.machines).toEqual([expect.objectContaining({ name: 'phoenix', status: 'online' })]);
    // Enrolled once: reconnecting used the stored secret, no new credential was made.
    expect(second.db().prepare("SELECT count(*) FROM machine_credentials WHERE kind = 'secret'").pluck().get()).toBe(1);
  });
});
