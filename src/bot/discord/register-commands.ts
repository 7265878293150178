import { Routes } from 'discord.js';
import { z } from 'zod';
import { createRest } from './rest-client.js';
import { viaRest } from './rest-errors.js';
import { commandDefinitions } from './slash-commands.js';

/** Where and how to register `/pia`. */
export interface RegisterOptions {
  token: string;
  applicationId: string;
  /** REST base (DISCORD_API_URL), e.g. http://127.0.0.1:PORT/api; Discord's own when absent. */
  apiUrl?: string;
  /** Register in one server only: shows up at once, handy while trying PIA out. Global otherwise. */
  guildId?: string;
}

/** What Discord now has registered. */
export interface RegisterResult {
  scope: 'global' | 'guild';
  /** Names of the registered commands, as Discord returned them. */
  commands: string[];
}

const Registered = z.array(z.object({ id: z.string(), name: z.string() }));

/**
 * Registers PIA's slash commands (bulk overwrite: commands PIA no longer has disappear), globally or in one
 * server. Backs `pia discord register [--guild ID]`. A rate limit throws `RateLimited`; a refusal throws a
 * `PiaError` with Discord's reason.
 */
export async function registerCommands(opts: RegisterOptions): Promise<RegisterResult> {
  const rest = createRest(opts.token, opts.apiUrl);
  const route = opts.guildId ? Routes.applicationGuildCommands(opts.applicationId, opts.guildId) : Routes.applicationCommands(opts.applicationId);
  const res = await viaRest('register the slash commands', () => rest.put(route, { body: commandDefinitions() }));
  return { scope: opts.guildId ? 'guild' : 'global', commands: Registered.parse(res).map((c) => c.name) };
}
