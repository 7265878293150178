import { verifySlackRequest } from '@slack/bolt';
import { errorMessage } from '../../common/errors.js';

/** Request headers as Node and Fastify hand them over (lower-case names; a repeated header is an array). */
export type RequestHeaders = Record<string, string | string[] | undefined>;

/** Slack's replay window: a request signed more than five minutes away from now is refused. */
const maxSkewSeconds = 5 * 60;

/** The outcome of {@link checkSlackSignature}; `reason` is for the log, never for the caller. */
export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/** One header value, looked up case-insensitively; a repeated header counts as absent (it is not Slack). */
export function headerValue(headers: RequestHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}

/**
 * Checks a request the way Slack signs it: `x-slack-signature` is `v0=` + hex HMAC-SHA256 of
 * `v0:{x-slack-request-timestamp}:{raw body}` keyed with the signing secret, and the timestamp is within five
 * minutes of `nowMs` either way. The HMAC comparison is Bolt's (constant time).
 */
export function checkSlackSignature(
  signingSecret: string,
  rawBody: string,
  headers: RequestHeaders,
  nowMs: number,
): SignatureCheck {
  const timestamp = headerValue(headers, 'x-slack-request-timestamp');
  const signature = headerValue(headers, 'x-slack-signature');
  if (timestamp === undefined || signature === undefined) return { ok: false, reason: 'signature headers missing' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'timestamp is not a number of seconds' };
  const seconds = Number(timestamp);
  // Bolt only refuses old timestamps; one from the future is as much a replay risk, so both directions count.
  if (Math.abs(nowMs / 1000 - seconds) > maxSkewSeconds) return { ok: false, reason: 'timestamp outside 5 minutes' };
  try {
    verifySlackRequest({
      signingSecret,
      body: rawBody,
      headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': seconds },
      nowMilliseconds: nowMs,
    });
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: errorMessage(err) };
  }
}
