import { Command } from 'commander';
import { api as schemas } from '../../protocol/api.js';
import type { ApiClient } from '../api-client.js';
import { formatTable, printJson } from '../output.js';

/** `pia audit`: who did what, newest first. */
export function auditCommand(api: () => ApiClient): Command {
  return new Command('audit')
    .description('read the audit log (newest first)')
    .option('-n, --limit <n>', 'how many entries', '50')
    .option('--json', 'print JSON')
    .action(async (opts: { limit: string; json?: boolean }) => {
      const { entries } = await api().get(`/api/audit?limit=${encodeURIComponent(opts.limit)}`, schemas.audit);
      if (opts.json) return printJson({ entries });
      process.stdout.write(
        formatTable(
          ['TIME', 'ACTOR', 'ACTION', 'TARGET', 'OUTCOME', 'ORIGIN', 'DETAIL'],
          entries.map((e) => [e.at, e.actor, e.action, e.target ?? '-', e.outcome, e.origin ?? '-', e.detail ?? '']),
        ),
      );
    });
}
