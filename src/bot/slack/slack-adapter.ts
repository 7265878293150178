import { App, type Logger as BoltLogger, type webApi } from '@slack/bolt';
import { errorMessage, PiaError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { BotCore, ChatPort } from '../port.js';
import { boltLogger } from './bolt-logger.js';
import { createSlackHttpReceiver, type SlackRequestHandler } from './http-receiver.js';
import { registerListeners } from './listeners.js';
import { translateSlackError } from './slack-errors.js';
import { createSlackPort } from './slack-port.js';

/** Dependencies of {@link createSlackAdapter}. */
export interface SlackAdapterDeps {
  /** `socket` (default in PIA's config): an outbound WebSocket, no public URL. `http`: Slack posts to the hub. */
  mode: 'socket' | 'http';
  /** The Bot User OAuth Token, `xoxb-...` (SLACK_BOT_TOKEN). */
  botToken: string;
  /** The app-level token for Socket Mode, `xapp-...` with `connections:write` (SLACK_APP_TOKEN). */
  appToken?: string;
  /** The app's Signing Secret, for HTTP mode (SLACK_SIGNING_SECRET). */
  signingSecret?: string;
  /** The Web API base, `https://slack.com/api/` unless overridden (SLACK_API_URL); a missing final `/` is added. */
  apiUrl?: string;
  core: BotCore;
  log: Logger;
  /** The clock request signatures are checked against (tests). */
  now?: () => number;
}

/** An HTTP route the hub mounts on its own server (HTTP mode only). */
export interface SlackRoute {
  method: 'POST';
  /** The Request URL to enter in the Slack app settings is `https://<hub>` + this path. */
  path: '/slack/events';
  /** Give it the raw request body (unparsed: the signature covers its exact bytes) and the headers. */
  handle: SlackRequestHandler;
}

/** A running connection to one Slack workspace. */
export interface SlackAdapter {
  /** The chat port the core posts through. */
  port: ChatPort;
  /** Present in HTTP mode: the Slack endpoint, for the hub's HTTP server. */
  routes?: SlackRoute[];
  /** Checks the bot token (auth.test), then connects (socket) or starts accepting requests (http). */
  start(): Promise<void>;
  /** Disconnects, or stops accepting requests and waits for those in progress. */
  stop(): Promise<void>;
}

/**
 * Web API behaviour for a bot driven by a reporter: a 429 is handed back at once (the reporter owns waiting),
 * other failures get two quick retries with jitter, and no call hangs for more than 10 s.
 */
function clientOptions(apiUrl: string | undefined): webApi.WebClientOptions {
  return {
    ...(apiUrl !== undefined ? { slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 2_000, randomize: true },
    timeout: 10_000,
  };
}

/** A token of the right kind, or an error naming the variable and where to find the token. */
function requireToken(value: string | undefined, prefix: string, name: string, hint: string): string {
  if (value === undefined || value === '') throw new PiaError('config_invalid', `${name} is not set: ${hint}.`);
  if (!value.startsWith(prefix)) throw new PiaError('config_invalid', `${name} must start with "${prefix}": ${hint}.`);
  return value;
}

/** Builds the Bolt app for `deps.mode`; throws a {@link PiaError} naming the missing setting before any I/O. */
function buildApp(deps: SlackAdapterDeps, log: Logger, logger: BoltLogger) {
  const token = requireToken(
    deps.botToken,
    'xoxb-',
    'SLACK_BOT_TOKEN',
    "use the Bot User OAuth Token from the app's OAuth & Permissions page (xoxb-...)",
  );
  // Deferred: constructing must not call Slack (auth.test); start() does, where a failure can be reported.
  const common = { token, logger, clientOptions: clientOptions(deps.apiUrl), deferInitialization: true } as const;
  if (deps.mode === 'socket') {
    const appToken = requireToken(
      deps.appToken,
      'xapp-',
      'SLACK_APP_TOKEN',
      'Socket Mode needs an app-level token (Basic Information > App-Level Tokens, scope connections:write, ' +
        'xapp-...), or run in HTTP mode with SLACK_SIGNING_SECRET',
    );
    return { app: new App({ ...common, socketMode: true, appToken }), receiver: undefined };
  }
  if (deps.signingSecret === undefined || deps.signingSecret === '') {
    throw new PiaError(
      'config_invalid',
      "HTTP mode needs SLACK_SIGNING_SECRET (the Signing Secret on the app's Basic Information page); or use Socket Mode.",
    );
  }
  const receiver = createSlackHttpReceiver({
    signingSecret: deps.signingSecret,
    log,
    ...(deps.now ? { now: deps.now } : {}),
  });
  return { app: new App({ ...common, receiver }), receiver };
}

/**
 * Creates the Slack adapter: a real Bolt app whose input goes to `deps.core` and whose {@link ChatPort} posts
 * through Slack's Web API. Nothing touches the network until {@link SlackAdapter.start}.
 */
export function createSlackAdapter(deps: SlackAdapterDeps): SlackAdapter {
  const log = deps.log.child({ component: 'slack' });
  const { app, receiver } = buildApp(deps, log, boltLogger(deps.log));
  const port = createSlackPort(app.client);
  registerListeners(app, { core: deps.core, port, log });

  return {
    port,
    ...(receiver !== undefined ? { routes: [{ method: 'POST', path: '/slack/events', handle: receiver.handleRequest }] } : {}),

    async start(): Promise<void> {
      try {
        await app.init();
      } catch (err) {
        throw translateSlackError('auth.test', err);
      }
      try {
        await app.start();
      } catch (err) {
        throw new PiaError(
          'slack_api_failed',
          `Slack Socket Mode could not connect: ${errorMessage(err)}. Check SLACK_APP_TOKEN (xapp-..., scope ` +
            'connections:write) and that Socket Mode is on in the app settings.',
          { cause: err },
        );
      }
      log.info({ mode: deps.mode }, 'Slack adapter started');
    },

    async stop(): Promise<void> {
      await app.stop();
    },
  };
}
