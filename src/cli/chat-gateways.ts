import os from 'node:os';
import type { ChatConfig } from '../bot/chat-config.js';
import { createConsoleAdapter } from '../bot/console/console-adapter.js';
import { createDiscordAdapter } from '../bot/discord/discord-adapter.js';
import { createSlackAdapter } from '../bot/slack/slack-adapter.js';
import type { Logger } from '../common/logger.js';
import type { Hub } from '../hub/hub.js';
import { mountRawRoutes } from '../hub/http/raw-routes.js';

/** The chat front ends configured for this hub, started and stopped together. */
export interface ChatGateways {
  /** Connects the platforms (after the hub listens). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Creates the configured adapters and mounts Slack's HTTP route on the hub (so call this before the hub listens).
 * Each adapter hands its input to the hub's one bot core.
 */
export async function prepareChat(hub: Hub, config: Readonly<ChatConfig>, log: Logger, stdio: { interactive: boolean }): Promise<ChatGateways> {
  const slack = config.slack ? createSlackAdapter({ ...config.slack, core: hub.bot, log: log.child({ component: 'slack' }) }) : undefined;
  if (slack?.routes) await mountRawRoutes(hub.http, slack.routes);
  const discord = config.discord
    ? createDiscordAdapter({ ...config.discord, core: hub.bot, log: log.child({ component: 'discord' }), machineNames: () => hub.machines.list().map((m) => m.name) })
    : undefined;
  // The terminal chat: the same commands at a prompt. Off when stdin is not a terminal.
  const terminal =
    config.console && stdio.interactive
      ? createConsoleAdapter({ core: hub.bot, input: process.stdin, output: process.stdout, user: `console:${os.userInfo().username}` })
      : undefined;
  return {
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
