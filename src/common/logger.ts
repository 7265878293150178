import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Keys whose values never reach a log line, wherever they sit in a logged object. */
const redactPaths = [
  'secret',
  'token',
  'joinToken',
  'adminToken',
  'password',
  'authorization',
  '*.secret',
  '*.token',
  '*.joinToken',
  '*.adminToken',
  '*.password',
  '*.authorization',
  'req.headers.authorization',
  'headers.authorization',
];

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  level?: string;
  /** `pretty` for a person at a terminal, `json` for machines; default: pretty on a TTY. */
  format?: 'pretty' | 'json';
  name?: string;
}

/** The options every PIA logger shares: its name, and secrets redacted. */
export function logOptions(name = 'pia') {
  return { name, redact: { paths: redactPaths, censor: '[redacted]' } };
}

/** A pino logger with secrets redacted. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const format = opts.format ?? (process.stdout.isTTY ? 'pretty' : 'json');
  return pino({
    level: opts.level ?? 'info',
    ...logOptions(opts.name),
    ...(format === 'pretty'
      ? { transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss' } } }
      : {}),
  });
}

/** A logger that drops everything (tests that assert on behaviour, not log lines). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
