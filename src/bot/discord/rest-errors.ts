import { DiscordAPIError, RateLimitError } from 'discord.js';
import { PiaError } from '../../common/errors.js';
import { RateLimited } from '../port.js';

/**
 * Turns what Discord's REST client throws into the port's terms: a 429 (or a bucket known to be empty) becomes
 * {@link RateLimited} so the reporter decides when to retry; any other refusal becomes a {@link PiaError}
 * `discord_refused` that keeps Discord's own code and message.
 */
export function toPortError(err: unknown, what: string): Error {
  if (err instanceof RateLimitError) return new RateLimited(Math.max(0, Math.ceil(err.retryAfter)));
  if (err instanceof DiscordAPIError) {
    if (err.status === 429) return new RateLimited(1000);
    return new PiaError('discord_refused', `Discord refused to ${what}: ${err.message} (HTTP ${err.status}, code ${String(err.code)})`, {
      cause: err,
    });
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** Runs one REST call, rethrowing its failure in the port's terms. */
export async function viaRest<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toPortError(err, what);
  }
}

/**
 * An error as a log line may show it: a REST error carries its request URL, and an interaction's URL holds the
 * interaction's token, so only the message, Discord's code and the status are kept.
 */
export function forLog(err: unknown): { message: string; code?: string | number; status?: number; stack?: string } {
  const cause = err instanceof PiaError && err.cause ? err.cause : err;
  if (cause instanceof DiscordAPIError) return { message: cause.message, code: cause.code, status: cause.status };
  if (cause instanceof RateLimitError) return { message: cause.message };
  return err instanceof Error ? { message: err.message, stack: err.stack } : { message: String(err) };
}

/** Discord's answer "this interaction or its token is gone" (expired, or answered elsewhere). */
export function isGone(err: unknown): boolean {
  const cause = err instanceof PiaError ? err.cause : err;
  // 10062 Unknown interaction, 10008 Unknown message, 10015 Unknown webhook, 50027 Invalid webhook token.
  return cause instanceof DiscordAPIError && [10062, 10008, 10015, 50027].includes(Number(cause.code));
}
