import { Command } from 'commander';
import { api as schemas } from '../../protocol/api.js';
import type { ApiClient } from '../api-client.js';
import { formatTable, printJson } from '../output.js';

/** `pia users add|rm|list`: who may use PIA from chat and mail. */
export function usersCommand(api: () => ApiClient): Command {
  const cmd = new Command('users').description('who may do what from chat and mail (viewer, operator, admin)');
  cmd
    .command('list', { isDefault: true })
    .description('every identity with a role, and where the role comes from')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { users } = await api().get('/api/users', schemas.users);
      if (opts.json) return printJson({ users });
      if (users.length === 0) return void process.stdout.write('No users yet. Add one with: pia users add slack:U012ABC operator\n');
      process.stdout.write(formatTable(['IDENTITY', 'ROLE', 'FROM'], users.map((u) => [u.identity, u.role, u.source === 'config' ? 'PIA_ADMINS/OPERATORS/VIEWERS' : `pia users add (${u.addedBy ?? '?'})`])));
    });
  cmd
    .command('add <identity> <role>')
    .description('give an identity (slack:<id>, discord:<id>, email:<address>) a role: viewer, operator or admin')
    .option('--json', 'print JSON')
    .action(async (identity: string, role: string, opts: { json?: boolean }) => {
      const { user } = await api().post('/api/users', schemas.user, { identity, role });
      if (opts.json) return printJson({ user });
      process.stdout.write(`${user.identity} is now ${user.role}.\n`);
    });
  cmd
    .command('rm <identity>')
    .alias('remove')
    .description('remove a role given with pia users add')
    .option('--json', 'print JSON')
    .action(async (identity: string, opts: { json?: boolean }) => {
      const out = await api().delete(`/api/users/${encodeURIComponent(identity)}`, schemas.userRemoved);
      if (opts.json) return printJson(out);
      process.stdout.write(`Removed ${out.removed}.\n`);
    });
  return cmd;
}
