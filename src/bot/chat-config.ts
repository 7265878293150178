import { enumField, parseEnv, textField, urlField } from '../common/env.js';

/** Which chat platforms to connect, from the environment; each is off unless its token is set. */
export interface ChatConfig {
  slack?: { mode: 'socket' | 'http'; botToken: string; appToken?: string; signingSecret?: string; apiUrl?: string };
  discord?: { token: string; applicationId: string; apiUrl?: string };
  /** The terminal chat of `npm start` (on when stdin is a terminal, unless PIA_CONSOLE=0). */
  console: boolean;
}

/** Reads SLACK_*, DISCORD_* and PIA_CONSOLE; a bad value names itself. */
export function loadChatConfig(env: NodeJS.ProcessEnv): Readonly<ChatConfig> {
  const e = parseEnv(env, {
    SLACK_MODE: [enumField(['socket', 'http']), 'socket'],
    SLACK_BOT_TOKEN: [textField, undefined],
    SLACK_APP_TOKEN: [textField, undefined],
    SLACK_SIGNING_SECRET: [textField, undefined],
    SLACK_API_URL: [urlField(['http', 'https']), undefined],
    DISCORD_TOKEN: [textField, undefined],
    DISCORD_APPLICATION_ID: [textField, undefined],
    DISCORD_API_URL: [urlField(['http', 'https']), undefined],
    PIA_CONSOLE: [enumField(['0', '1']), '1'],
  });
  return Object.freeze({
    ...(e.SLACK_BOT_TOKEN
      ? {
          slack: {
            mode: e.SLACK_MODE,
            botToken: e.SLACK_BOT_TOKEN,
            ...(e.SLACK_APP_TOKEN ? { appToken: e.SLACK_APP_TOKEN } : {}),
            ...(e.SLACK_SIGNING_SECRET ? { signingSecret: e.SLACK_SIGNING_SECRET } : {}),
            ...(e.SLACK_API_URL ? { apiUrl: e.SLACK_API_URL } : {}),
          },
        }
      : {}),
    ...(e.DISCORD_TOKEN
      ? { discord: { token: e.DISCORD_TOKEN, applicationId: e.DISCORD_APPLICATION_ID ?? '', ...(e.DISCORD_API_URL ? { apiUrl: e.DISCORD_API_URL } : {}) } }
      : {}),
    console: e.PIA_CONSOLE === '1',
  });
}
