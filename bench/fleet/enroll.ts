import path from 'node:path';
import { projectRoot } from '../../src/common/version.js';
import { openDatabase } from '../../src/hub/db/database.js';
import { loadMigrations, migrate } from '../../src/hub/db/migrations.js';
import { createCredentialStore } from '../../src/hub/registry/credentials.js';
import { createMachineStore } from '../../src/hub/registry/machines.js';
import type { SimWorker } from './ipc.js';

/** The machine name of the i-th simulated worker (1-based): `w00001`, ... */
export function simName(i: number): string {
  return `w${String(i).padStart(5, '0')}`;
}

/**
 * Registers `count` machines in a hub data dir that is not running yet, and gives each a per-machine secret,
 * through the registry's own stores (the same rows `pia machines add` plus a worker's first join would leave).
 * One transaction: 10k separate commits would take longer than the benchmark phases themselves.
 */
export function enrollFleet(dataDir: string, count: number): SimWorker[] {
  const db = openDatabase(path.join(dataDir, 'pia.db'));
  try {
    migrate(db, loadMigrations(path.join(projectRoot, 'migrations')));
    const machines = createMachineStore(db);
    const credentials = createCredentialStore(db);
    return db.transaction(() => {
      const out: SimWorker[] = [];
      for (let i = 1; i <= count; i++) {
        const machine = machines.create(simName(i));
        const { joinToken } = credentials.issueJoinToken(machine, 3600_000);
        const { secret } = credentials.exchangeJoinToken(joinToken, machine.name);
        out.push({ name: machine.name, secret });
      }
      return out;
    })();
  } finally {
    db.close();
  }
}
