import { Command, Option } from 'commander';
import { PiaError } from '../../common/errors.js';
import { api as schemas } from '../../protocol/api.js';
import type { ApiClient } from '../api-client.js';
import { printJson } from '../output.js';

/**
 * `pia dashboard [--as <identity>] [--role R]`: a one-time sign-in link to the web dashboard, for the admin token's
 * holder or, with --as, for a person (their identity's role, or less with --role). The `dashboard` command of the
 * chat language, run as the CLI.
 */
export function dashboardCommand(api: () => ApiClient): Command {
  return new Command('dashboard')
    .description('print a one-time sign-in link to the web dashboard (--as slack:U123 for someone else)')
    .option('--as <identity>', 'the person the link signs in (slack:<id>, discord:<id>, email:<address>)')
    .addOption(new Option('--role <role>', 'at most this role').choices(['viewer', 'operator', 'admin']))
    .option('--json', 'print JSON: {"url", "expiresAt", "identity", "role"}')
    .action(async (opts: { as?: string; role?: 'viewer' | 'operator' | 'admin'; json?: boolean }) => {
      const command = { name: 'dashboard', ...(opts.as ? { as: opts.as } : {}), ...(opts.role ? { role: opts.role } : {}) };
      const { result } = await api().post('/api/commands', schemas.command, { command, origin: 'cli' });
      if (result.kind !== 'link') throw new PiaError('forbidden', 'text' in result ? result.text : `unexpected answer: ${result.kind}`);
      if (opts.json) return printJson({ url: result.url, expiresAt: result.expiresAt, identity: result.identity, role: result.role });
      process.stdout.write(`${result.url}\nOne use, until ${new Date(result.expiresAt).toLocaleTimeString()}; signs in ${result.identity} (${result.role}).\n`);
    });
}
