import { Command } from 'commander';
import { PiaError } from '../../common/errors.js';
import { printJson } from '../output.js';

/** `pia discord register [--guild ID]`: registers the `/pia` slash command with Discord. */
export function discordCommand(): Command {
  const cmd = new Command('discord').description('Discord set-up');
  cmd
    .command('register')
    .description('register /pia with its subcommands (DISCORD_TOKEN, DISCORD_APPLICATION_ID)')
    .option('--guild <id>', 'register in one server only (shows up at once; global registration can take an hour)')
    .option('--json', 'print JSON')
    .action(async (opts: { guild?: string; json?: boolean }) => {
      const token = process.env.DISCORD_TOKEN?.trim();
      const applicationId = process.env.DISCORD_APPLICATION_ID?.trim();
      if (!token || !applicationId) throw new PiaError('config_invalid', 'DISCORD_TOKEN and DISCORD_APPLICATION_ID must be set (from the Discord developer portal, your application\'s Bot and General pages)');
      // Loaded on demand: discord.js is large, and no other command needs it.
      const { registerCommands } = await import('../../bot/discord/discord-adapter.js');
      const result = await registerCommands({ token, applicationId, ...(process.env.DISCORD_API_URL ? { apiUrl: process.env.DISCORD_API_URL } : {}), ...(opts.guild ? { guildId: opts.guild } : {}) });
      if (opts.json) return printJson(result);
      process.stdout.write(`Registered /${result.commands.join(', /')} ${result.scope === 'guild' ? `in server ${opts.guild}` : 'globally'}.\n`);
    });
  return cmd;
}
