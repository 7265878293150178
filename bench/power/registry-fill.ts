import path from 'node:path';
import { projectRoot } from '../../src/common/version.js';
import { openDatabase } from '../../src/hub/db/database.js';
import { loadMigrations, migrate } from '../../src/hub/db/migrations.js';
import { createMachineStore } from '../../src/hub/registry/machines.js';
import { simFacts } from '../fleet/sim-facts.js';
import { median } from '../fleet/stats.js';

/**
 * Fills a hub data dir that is not running yet with `count` other machines, `r00001`..., each as a worker that
 * linked once would leave it (the facts of a small real machine, from the fleet benchmark), with IP 127.0.0.1
 * and a closed probe port (should the hub's periodic sweep run, each probe is answered at once, on loopback).
 * The hub marks them offline when it starts. Returns the median time of `machines.list()` over the whole
 * registry, measured here on the same file: the wake path lists every machine before its first packet leaves.
 */
export function fillRegistry(dataDir: string, count: number, closedPort: number): number {
  const db = openDatabase(path.join(dataDir, 'pia.db'));
  try {
    migrate(db, loadMigrations(path.join(projectRoot, 'migrations')));
    const machines = createMachineStore(db);
    db.transaction(() => {
      for (let i = 1; i <= count; i++) {
        const name = `r${String(i).padStart(5, '0')}`;
        const m = machines.create(name, { ip: '127.0.0.1', probePorts: [closedPort] });
        machines.markOnline(m.id, simFacts(name, i));
      }
    })();
    machines.markAllOffline();
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      machines.list();
      times.push(performance.now() - t0);
    }
    return median(times);
  } finally {
    db.close();
  }
}
