import type { FakeSlack } from '../../helpers/fake-slack.js';

/** Slack payloads shaped as Slack sends them (fields trimmed to those Bolt and the adapter read, plus a few). */

let eventSeq = 0;

/** Slash command form fields. */
export function commandFields(slack: FakeSlack, text: string, over: Record<string, string> = {}): Record<string, string> {
  return {
    token: 'legacy-verification-token',
    team_id: slack.teamId,
    team_domain: 'fake',
    channel_id: 'C1',
    channel_name: 'general',
    user_id: 'U42',
    user_name: 'ada',
    command: '/pia',
    text,
    api_app_id: 'APIA',
    response_url: `${slack.baseUrl}/response/1`,
    trigger_id: '1111.2222.abcd',
    ...over,
  };
}

/** An Events API `event_callback` envelope around `event`. */
export function eventEnvelope(slack: FakeSlack, event: Record<string, unknown>, eventId = `Ev${++eventSeq}`): Record<string, unknown> {
  return {
    token: 'legacy-verification-token',
    team_id: slack.teamId,
    api_app_id: 'APIA',
    type: 'event_callback',
    event_id: eventId,
    event_time: 1_700_000_000,
    authorizations: [{ team_id: slack.teamId, user_id: slack.botUserId, is_bot: true, is_enterprise_install: false }],
    event: { event_ts: event.ts, ...event },
  };
}

/** A `block_actions` payload: `actionId` pressed on the message `messageTs` inside thread `threadTs`. */
export function blockActions(
  slack: FakeSlack,
  action: { actionId: string; value: string },
  where: { channel: string; messageTs: string; threadTs?: string },
  user = 'U42',
): Record<string, unknown> {
  return {
    type: 'block_actions',
    user: { id: user, username: 'ada', name: 'ada', team_id: slack.teamId },
    api_app_id: 'APIA',
    token: 'legacy-verification-token',
    team: { id: slack.teamId, domain: 'fake' },
    container: {
      type: 'message',
      message_ts: where.messageTs,
      channel_id: where.channel,
      is_ephemeral: false,
      ...(where.threadTs ? { thread_ts: where.threadTs } : {}),
    },
    trigger_id: '1111.2222.abcd',
    channel: { id: where.channel, name: 'general' },
    message: { type: 'message', ts: where.messageTs, text: 'Task t7 running', ...(where.threadTs ? { thread_ts: where.threadTs } : {}) },
    response_url: `${slack.baseUrl}/response/2`,
    actions: [
      {
        type: 'button',
        action_id: action.actionId,
        block_id: 'b1',
        text: { type: 'plain_text', text: 'Cancel' },
        value: action.value,
        action_ts: '1700000001.000000',
      },
    ],
  };
}
