import { Client, Events, GatewayIntentBits, Options } from 'discord.js';
import type { Logger } from '../../common/logger.js';
import type { BotCore, ChatPort } from '../port.js';
import { createDiscordChatPort } from './chat-port.js';
import { createDeferredReplies } from './deferred-replies.js';
import { createInteractionHandler } from './interactions.js';
import { restOptions } from './rest-client.js';
import { forLog } from './rest-errors.js';
import { createThreadReplyHandler } from './thread-replies.js';

export { commandDefinitions, commandLine } from './slash-commands.js';
export { registerCommands, type RegisterOptions, type RegisterResult } from './register-commands.js';
export { DISCORD_LIMITS } from './render-message.js';

/** What the Discord adapter needs. */
export interface DiscordAdapterDeps {
  token: string;
  applicationId: string;
  /** REST base (DISCORD_API_URL), e.g. http://127.0.0.1:PORT/api; Discord's own when absent. */
  apiUrl?: string;
  core: BotCore;
  log: Logger;
  /** Machine names offered by autocomplete. */
  machineNames?: () => string[];
  /** Agent names offered by autocomplete (those of a machine, when one is picked). */
  agentNames?: (machine?: string) => string[];
  /** The clock that ages interaction tokens (15 minutes); `Date.now` by default. */
  now?: () => number;
}

/** A running Discord front end: the port the core posts through, and the gateway connection's lifecycle. */
export interface DiscordAdapter {
  port: ChatPort;
  /** Logs in and resolves once the gateway is ready (guilds received). */
  start(): Promise<void>;
  /** Closes the gateway connection; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The Discord front end: a discord.js gateway client that turns `/pia` commands, button presses and replies in
 * PIA's threads into the core's {@link BotCore} calls, and a {@link ChatPort} that answers through Discord's
 * REST API (deferred replies become thread starters).
 */
export function createDiscordAdapter(deps: DiscordAdapterDeps): DiscordAdapter {
  const log = deps.log.child({ adapter: 'discord' });
  const now = deps.now ?? Date.now;
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
    rest: restOptions(deps.apiUrl),
    // PIA never reads old messages back from the cache, and every thread would otherwise keep up to 200.
    makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 0 }),
  });
  // The port works before (and without) the gateway: the core may post as soon as it has the port.
  client.rest.setToken(deps.token);
  const replies = createDeferredReplies(now);
  const port = createDiscordChatPort({ rest: client.rest, applicationId: deps.applicationId, replies, log });
  const onInteraction = createInteractionHandler({
    core: deps.core,
    port,
    replies,
    log,
    machineNames: deps.machineNames ?? (() => []),
    agentNames: deps.agentNames ?? (() => []),
    now,
  });
  const onMessage = createThreadReplyHandler({ core: deps.core, port, log, botUserId: () => client.user?.id });

  client.on(Events.InteractionCreate, (interaction) => void onInteraction(interaction));
  client.on(Events.MessageCreate, (message) => void onMessage(message));
  client.on(Events.Error, (err) => log.error({ err: forLog(err) }, 'discord: client error'));
  client.on(Events.Warn, (message) => log.warn(message));
  client.on(Events.ShardDisconnect, (event, shard) => log.warn({ code: event.code, shard }, 'discord: gateway disconnected'));

  let started: Promise<void> | undefined;
  let stopped = false;
  return {
    port,
    start() {
      started ??= (async () => {
        const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
        await client.login(deps.token);
        await ready;
        log.info({ user: client.user?.tag }, 'discord: connected');
      })().catch((err: unknown) => {
        // A failed login may be retried (a network blip, a token fixed in the meantime).
        started = undefined;
        throw err;
      });
      return started;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await client.destroy();
    },
  };
}
