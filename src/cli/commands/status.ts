import { Command } from 'commander';
import { api as schemas } from '../../protocol/api.js';
import type { ApiClient } from '../api-client.js';
import type { StorageView } from '../../protocol/api.js';
import { printJson, size } from '../output.js';
import { machinesTable } from './machines.js';

/** One line on the disk task output takes, and what retention keeps. */
export function storageLine(s: StorageView): string {
  const ratio = s.outputKeptBytes ? ` (${((s.databaseBytes + s.walBytes) / s.outputKeptBytes).toFixed(2)}x the output)` : '';
  const keep = [s.keepDays ? `${s.keepDays} days` : 'however old', s.maxBytes ? `at most ${size(s.maxBytes)} on disk` : 'no size cap'].join(', ');
  return (
    `Task output: ${size(s.outputKeptBytes)} kept in ${size(s.outputDiskBytes)} on disk; database ${size(s.databaseBytes)} + WAL ${size(s.walBytes)}${ratio}, ` +
    `${size(s.freeBytes)} of it free for reuse; finished tasks' output kept ${keep}`
  );
}

/** `pia status`: is the hub up, how is the fleet, and the disk its task output takes. */
export function statusCommand(api: () => ApiClient, hubUrl: () => string): Command {
  return new Command('status')
    .description('hub health and the fleet at a glance')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const client = api();
      const health = await client.get('/api/health', schemas.health);
      const { machines } = await client.get('/api/machines', schemas.machines);
      const { storage } = await client.get('/api/storage', schemas.storage);
      const online = machines.filter((m) => m.status === 'online').length;
      if (opts.json) return printJson({ hub: { url: hubUrl(), ...health }, online, total: machines.length, storage, machines });
      process.stdout.write(`Hub ${hubUrl()}: ${health.status} (PIA ${health.version}); ${online} of ${machines.length} machine(s) online\n`);
      process.stdout.write(`${storageLine(storage)}\n\n`);
      process.stdout.write(machinesTable(machines));
    });
}
