import { loadChatConfig, type ChatConfig } from '../bot/chat-config.js';
import { loadHubConfig, type HubConfig } from '../hub/config.js';
import { loadMailConfig, type MailConfig } from '../mail/config.js';
import { loadPowerConfig, type PowerConfig } from '../power/config.js';
import { loadWebConfig, type WebConfig } from '../web/config.js';

/** Everything PIA reads from the environment, parsed once and frozen; each part goes to the module that owns it. */
export interface PiaConfig {
  hub: Readonly<HubConfig>;
  power: Readonly<PowerConfig>;
  chat: Readonly<ChatConfig>;
  /** The email gateway; off unless PIA_MAIL_ADDRESS or PIA_MAIL_PATTERN is set. */
  mail: Readonly<MailConfig> | undefined;
  /** The web dashboard served at `/`. */
  web: Readonly<WebConfig>;
}

/** Reads every variable; a bad one throws a `config_invalid` error that names it. */
export function loadPiaConfig(env: NodeJS.ProcessEnv = process.env): Readonly<PiaConfig> {
  return Object.freeze({ hub: loadHubConfig(env), power: loadPowerConfig(env), chat: loadChatConfig(env), mail: loadMailConfig(env), web: loadWebConfig(env) });
}
