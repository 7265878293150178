import type { Readable, Writable } from 'node:stream';
import type { ChatConfig } from '../bot/chat-config.js';
import { createConsoleAdapter, type ConsoleNotices } from '../bot/console/console-adapter.js';
import type { BotCore, ChatPort } from '../bot/port.js';
import type { Logger } from '../common/logger.js';
import type { RawRoute } from '../hub/http/raw-routes.js';

/** The chat front ends configured for this hub, started and stopped together. */
export interface ChatGateways {
  /** Routes to mount on the hub's HTTP server before it listens (Slack's HTTP mode). */
  routes: RawRoute[];
  /** The configured platforms' ports, by platform (`slack`, `discord`, `console`): where a schedule posts. */
  ports: Map<string, ChatPort>;
  /** Connects the platforms (after the hub listens). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The terminal the console chat runs on. */
export interface ConsoleTerminal {
  input: Readable;
  output: Writable;
  /** The identity of the person at the terminal, `console:<user>`. */
  user: string;
  /** Log lines for the person at the terminal, shown above the prompt. */
  notices?: ConsoleNotices;
}

/**
 * Creates the configured adapters; each hands its input to the one chat core. The Slack and Discord SDKs are loaded
 * only when configured: discord.js alone took about half of a hub's start-up on a loaded machine.
 */
export async function createChatGateways(deps: {
  config: Readonly<ChatConfig>;
  core: BotCore;
  log: Logger;
  machineNames: () => string[];
  agentNames?: (machine?: string) => string[];
  /** The terminal for the console chat; none: no console. */
  terminal?: ConsoleTerminal;
}): Promise<ChatGateways> {
  const { config, core, log } = deps;
  const slack = config.slack
    ? (await import('../bot/slack/slack-adapter.js')).createSlackAdapter({ ...config.slack, core, log: log.child({ component: 'slack' }) })
    : undefined;
  const discord = config.discord
    ? (await import('../bot/discord/discord-adapter.js')).createDiscordAdapter({
        ...config.discord,
        core,
        log: log.child({ component: 'discord' }),
        machineNames: deps.machineNames,
        ...(deps.agentNames ? { agentNames: deps.agentNames } : {}),
      })
    : undefined;
  const terminal = config.console && deps.terminal ? createConsoleAdapter({ core, ...deps.terminal }) : undefined;
  const ports = new Map<string, ChatPort>();
  for (const a of [slack, discord, terminal]) if (a) ports.set(a.port.platform, a.port);
  return {
    routes: slack?.routes ?? [],
    ports,
    async start() {
      await slack?.start();
      if (slack) log.info({ mode: config.slack?.mode }, 'Slack connected');
      await discord?.start();
      if (discord) log.info('Discord connected');
      terminal?.start();
    },
    async stop() {
      terminal?.stop();
      await slack?.stop();
      await discord?.stop();
    },
  };
}
