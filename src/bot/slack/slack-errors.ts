import { webApi } from '@slack/bolt';
import { PiaError } from '../../common/errors.js';
import { RateLimited } from '../port.js';

/**
 * Turns what the Slack Web API client throws into PIA's errors: a 429 becomes {@link RateLimited} (the reporter
 * decides when to retry), a refusal becomes a {@link PiaError} coded `slack_<error>` that says what to do.
 */

/** Advice for the refusals a person can fix, keyed by Slack's error string. */
const advice: Record<string, string> = {
  not_in_channel: 'PIA is not a member of that channel: invite it there with /invite @pia.',
  channel_not_found: 'Slack does not know that channel, or PIA cannot see it: for a private channel, /invite @pia.',
  is_archived: 'The channel is archived: unarchive it or talk to PIA elsewhere.',
  invalid_auth: 'Slack refused the bot token: check SLACK_BOT_TOKEN (xoxb-...) and that the app is installed.',
  not_authed: 'No bot token reached Slack: set SLACK_BOT_TOKEN (xoxb-...).',
  token_revoked: 'The bot token was revoked: reinstall the app and update SLACK_BOT_TOKEN.',
  account_inactive: 'The bot token belongs to a deactivated app or user: reinstall the app and update SLACK_BOT_TOKEN.',
  missing_scope: 'The app lacks a scope: add it (see slack-app-manifest.yml) and reinstall the app.',
  msg_too_long: 'The message is longer than Slack allows (40,000 characters).',
  invalid_blocks: 'Slack refused the message layout (a block over its size limit?).',
  message_not_found: 'The message to edit no longer exists (deleted in Slack?).',
};

interface CodedLike {
  code?: unknown;
  retryAfter?: unknown;
  data?: { error?: unknown; needed?: unknown };
}

function asCoded(err: unknown): CodedLike {
  return typeof err === 'object' && err !== null ? (err as CodedLike) : {};
}

/** Maps an error thrown by a Web API call of `method` to PIA's errors; see the module comment. */
export function translateSlackError(method: string, err: unknown): Error {
  const coded = asCoded(err);
  if (coded.code === webApi.ErrorCode.RateLimitedError && typeof coded.retryAfter === 'number') {
    return new RateLimited(Math.max(0, coded.retryAfter) * 1000);
  }
  if (coded.code === webApi.ErrorCode.PlatformError && typeof coded.data?.error === 'string') {
    const error = coded.data.error;
    const needed = typeof coded.data.needed === 'string' ? ` (needed: ${coded.data.needed})` : '';
    const hint = advice[error] ?? 'See https://api.slack.com/methods for what it means.';
    return new PiaError('slack_api_failed', `Slack ${method} failed: ${error}${needed}. ${hint}`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new PiaError(
    'slack_api_failed',
    `Slack ${method} failed: ${message}. Check the hub's network access to Slack (or SLACK_API_URL).`,
    { cause: err },
  );
}

/** Runs one Web API call, translating its failure with {@link translateSlackError}. */
export async function slackCall<T>(method: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw translateSlackError(method, err);
  }
}
