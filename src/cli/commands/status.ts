import { Command } from 'commander';
import { api as schemas } from '../../protocol/api.js';
import type { ApiClient } from '../api-client.js';
import { printJson } from '../output.js';
import { machinesTable } from './machines.js';

/** `pia status`: is the hub up, and how is the fleet. */
export function statusCommand(api: () => ApiClient, hubUrl: () => string): Command {
  return new Command('status')
    .description('hub health and the fleet at a glance')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const client = api();
      const health = await client.get('/api/health', schemas.health);
      const { machines } = await client.get('/api/machines', schemas.machines);
      const online = machines.filter((m) => m.status === 'online').length;
      if (opts.json) return printJson({ hub: { url: hubUrl(), ...health }, online, total: machines.length, machines });
      process.stdout.write(`Hub ${hubUrl()}: ${health.status} (PIA ${health.version}); ${online} of ${machines.length} machine(s) online\n\n`);
      process.stdout.write(machinesTable(machines));
    });
}
