import { REST, type RESTOptions } from 'discord.js';
import { PiaError } from '../../common/errors.js';
import { mayReach } from '../../common/net-guard.js';

/** Discord's own REST base, used when no `apiUrl` (DISCORD_API_URL) is given. */
export const DISCORD_API = 'https://discord.com/api';

/**
 * REST options shared by the gateway client and registration: the base URL, and rate limits handed back to the
 * caller (`RateLimitError`) instead of waited out inside the client, so PIA's reporter decides when to retry.
 */
export function restOptions(apiUrl: string | undefined): Partial<RESTOptions> {
  const api = apiUrl ?? DISCORD_API;
  let host: string;
  try {
    host = new URL(api).hostname;
  } catch {
    throw new PiaError('config_invalid', `DISCORD_API_URL must be a URL like http://127.0.0.1:8080/api, got '${api}'`);
  }
  // Tests and benchmarks run with the loopback guard on; they must never reach Discord itself.
  if (!mayReach(host)) throw new PiaError('net_loopback_only', `Refusing to call Discord at ${api}: only loopback is allowed here (PIA_NET_LOOPBACK_ONLY=1).`);
  return { api, rejectOnRateLimit: () => true };
}

/** A standalone REST client with the bot token, for one-off calls such as command registration. */
export function createRest(token: string, apiUrl: string | undefined): REST {
  return new REST(restOptions(apiUrl)).setToken(token);
}
