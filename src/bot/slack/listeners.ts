import type { App } from '@slack/bolt';
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { BotCore, ChatPort } from '../port.js';
import { inboundFromCommand, inboundFromMention, inboundFromMessage, pressFromBlockActions } from './inbound.js';
import { createRecentIds } from './recent-ids.js';

/** The slash command the app manifest declares. */
export const slashCommand = '/pia';

/** Dependencies of {@link registerListeners}. */
export interface ListenerDeps {
  core: BotCore;
  port: ChatPort;
  log: Logger;
}

/**
 * Connects Bolt's listeners to the core: the slash command, mentions, thread replies and button presses. Each
 * acknowledges first (Slack's 3-second deadline) and only then hands the converted input to the core, whose
 * failures are logged here because nobody upstream is left to catch them.
 */
export function registerListeners(app: App, deps: ListenerDeps): void {
  const { core, port, log } = deps;
  const recentEvents = createRecentIds();

  const deliver = async (what: string, work: () => Promise<void>): Promise<void> => {
    try {
      await work();
    } catch (err) {
      log.error({ err: errorMessage(err), what }, 'the core failed on Slack input');
    }
  };
  // Slack retries an event whose acknowledgement it did not see; the retry has the same event_id.
  const isRetry = (eventId: string): boolean => {
    if (!recentEvents.seenBefore(eventId)) return false;
    log.debug({ eventId }, 'dropped a Slack event delivered twice');
    return true;
  };

  app.command(slashCommand, async ({ command, ack, context }) => {
    await ack();
    const inbound = inboundFromCommand(command, context.botUserId);
    if (inbound === undefined) return log.warn('ignored a slash command without user or channel');
    await deliver('command', () => core.handle(inbound, port));
  });

  app.event('app_mention', async ({ event, body, context }) => {
    if (isRetry(body.event_id)) return;
    const inbound = inboundFromMention(event, context.botUserId);
    if (inbound !== undefined) await deliver('mention', () => core.handle(inbound, port));
  });

  app.event('message', async ({ event, body, context }) => {
    const inbound = inboundFromMessage(event, context.botUserId);
    if (inbound === undefined || isRetry(body.event_id)) return;
    await deliver('message', () => core.handle(inbound, port));
  });

  app.action(/.*/, async ({ ack, body }) => {
    await ack();
    const press = pressFromBlockActions(body);
    if (press === undefined) return log.warn({ type: body.type }, 'ignored a Slack interaction that is not a PIA button');
    await deliver('button', () => core.press(press, port));
  });

  app.error(async (err) => {
    log.error({ err: errorMessage(err) }, 'Slack listener failed');
  });
}
