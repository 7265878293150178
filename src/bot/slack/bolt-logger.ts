import { format } from 'node:util';
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../common/logger.js';

/**
 * Bolt and its Web API client log through this, so their lines land in PIA's log (with its redaction) instead
 * of on the console.
 */
export function boltLogger(log: Logger): BoltLogger {
  const child = log.child({ component: 'slack-bolt' });
  const line = (parts: unknown[]): string => format(...parts);
  return {
    debug: (...parts: unknown[]) => child.debug(line(parts)),
    info: (...parts: unknown[]) => child.info(line(parts)),
    warn: (...parts: unknown[]) => child.warn(line(parts)),
    error: (...parts: unknown[]) => child.error(line(parts)),
    // PIA's own configuration decides the level; Bolt's default ("info") must not override it.
    setLevel: () => undefined,
    getLevel: () => (child.isLevelEnabled('debug') ? LogLevel.DEBUG : LogLevel.INFO),
    setName: () => undefined,
  };
}
