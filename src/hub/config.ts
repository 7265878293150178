import path from 'node:path';
import { boolField, enumField, listField, nonNegativeField, parseEnv, portField, positiveIntField, secondsField, textField, urlField } from '../common/env.js';
import { PiaError } from '../common/errors.js';
import { MachineName } from '../protocol/messages.js';
import type { RoleConfig } from './auth/users.js';

/** The hub's configuration, parsed once from the environment and frozen. */
export interface HubConfig {
  host: string;
  port: number;
  dataDir: string;
  /** Undefined: generate one on first start and keep it in the data dir. */
  adminToken: string | undefined;
  tls: { cert: string; key: string } | undefined;
  heartbeatS: number;
  offlineAfterS: number;
  joinTokenTtlH: number;
  maxFrameBytes: number;
  localWorker: boolean;
  localWorkerName: string;
  logLevel: string;
  logFormat: 'pretty' | 'json' | undefined;
  /** Default run time of a task before it is stopped as timed_out. */
  taskTimeoutS: number;
  /** How long a task waits for an offline machine before it fails. */
  taskQueueExpiryH: number;
  /** An approval nobody answers within this is denied. */
  approvalTimeoutS: number;
  /** Allow file:/// repository URLs in deploys (tests, local mirrors). */
  allowFileRepos: boolean;
  /** The agent of tasks that name none, where the machine has no default of its own (PIA_DEFAULT_AGENT). */
  defaultAgent: string | undefined;
  /** The hub's address as workers on other machines reach it (start commands, identity file). */
  publicUrl: string | undefined;
  roles: Readonly<RoleConfig>;
  /** A schedule's run missed while the hub was down runs on start when it is at most this old. */
  scheduleGraceS: number;
  /** The time zone of schedules added without --tz. */
  scheduleTz: string;
  /** How often machines with idle sleep are looked at. */
  idleCheckS: number;
  /** Task output retention: finished tasks' output older than this many days goes (0: kept however old). */
  outputKeepDays: number;
  /** ...and the oldest goes while all output takes more than this on disk, in bytes (0: no cap). */
  outputMaxBytes: number;
}

/**
 * Reads the hub's variables. A bad value throws a `config_invalid` error naming the variable and what it
 * expects, e.g. "PIA_PORT must be a port number (0-65535), got 'abc'".
 */
export function loadHubConfig(env: NodeJS.ProcessEnv = process.env): Readonly<HubConfig> {
  const e = parseEnv(env, {
    PIA_HOST: [textField, '127.0.0.1'],
    PIA_PORT: [portField, '3000'],
    PIA_DATA_DIR: [textField, './data'],
    PIA_ADMIN_TOKEN: [textField, undefined],
    PIA_TLS_CERT: [textField, undefined],
    PIA_TLS_KEY: [textField, undefined],
    PIA_HEARTBEAT_S: [secondsField, '15'],
    PIA_OFFLINE_AFTER_S: [secondsField, '90'],
    PIA_JOIN_TOKEN_TTL_H: [secondsField, '24'],
    PIA_MAX_FRAME_BYTES: [positiveIntField, String(1024 * 1024)],
    PIA_LOCAL_WORKER: [boolField, '1'],
    PIA_LOCAL_WORKER_NAME: [textField, 'local'],
    PIA_LOG_LEVEL: [enumField(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info'],
    PIA_LOG_FORMAT: [enumField(['pretty', 'json']), undefined],
    PIA_TASK_TIMEOUT_S: [secondsField, '7200'],
    PIA_TASK_QUEUE_EXPIRY_H: [secondsField, '24'],
    PIA_APPROVAL_TIMEOUT_S: [secondsField, '600'],
    PIA_ALLOW_FILE_REPOS: [boolField, '0'],
    PIA_PUBLIC_URL: [urlField(['http', 'https']), undefined],
    PIA_ADMINS: [listField, ''],
    PIA_OPERATORS: [listField, ''],
    PIA_VIEWERS: [listField, ''],
    PIA_DEFAULT_ROLE: [enumField(['none', 'viewer']), 'none'],
    PIA_DEFAULT_AGENT: [textField, undefined],
    PIA_SCHEDULE_GRACE_S: [secondsField, '3600'],
    PIA_SCHEDULE_TZ: [textField, undefined],
    PIA_IDLE_CHECK_S: [secondsField, '60'],
    PIA_OUTPUT_KEEP_DAYS: [nonNegativeField, '90'],
    PIA_OUTPUT_MAX_GB: [nonNegativeField, '10'],
  });
  const scheduleTz = e.PIA_SCHEDULE_TZ ?? (Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  try {
    new Intl.DateTimeFormat('en', { timeZone: scheduleTz });
  } catch {
    throw new PiaError('config_invalid', `PIA_SCHEDULE_TZ must be an IANA time zone such as Europe/London or UTC, got '${scheduleTz}'`);
  }
  if ((e.PIA_TLS_CERT === undefined) !== (e.PIA_TLS_KEY === undefined)) {
    throw new PiaError('config_invalid', 'PIA_TLS_CERT and PIA_TLS_KEY must be set together (paths to a PEM certificate and its key)');
  }
  if (e.PIA_OFFLINE_AFTER_S <= e.PIA_HEARTBEAT_S) {
    throw new PiaError('config_invalid', `PIA_OFFLINE_AFTER_S must be longer than PIA_HEARTBEAT_S (${e.PIA_HEARTBEAT_S}), got '${e.PIA_OFFLINE_AFTER_S}'`);
  }
  if (!MachineName.safeParse(e.PIA_LOCAL_WORKER_NAME).success) {
    throw new PiaError('config_invalid', `PIA_LOCAL_WORKER_NAME must be a machine name (a-z, 0-9, -), got '${e.PIA_LOCAL_WORKER_NAME}'`);
  }
  if (e.PIA_DEFAULT_AGENT !== undefined && !/^[a-z0-9][a-z0-9_-]{0,63}$/.test(e.PIA_DEFAULT_AGENT)) {
    throw new PiaError('config_invalid', `PIA_DEFAULT_AGENT must be an agent name (claude, codex, gemini, opencode, cursor, aider, or one in a worker's PIA_AGENTS), got '${e.PIA_DEFAULT_AGENT}'`);
  }
  if (e.PIA_ADMIN_TOKEN !== undefined && e.PIA_ADMIN_TOKEN.length < 16) {
    throw new PiaError('config_invalid', 'PIA_ADMIN_TOKEN must be at least 16 characters, got a shorter one');
  }
  return Object.freeze({
    host: e.PIA_HOST,
    port: e.PIA_PORT,
    dataDir: path.resolve(e.PIA_DATA_DIR),
    adminToken: e.PIA_ADMIN_TOKEN,
    tls: e.PIA_TLS_CERT && e.PIA_TLS_KEY ? { cert: path.resolve(e.PIA_TLS_CERT), key: path.resolve(e.PIA_TLS_KEY) } : undefined,
    heartbeatS: e.PIA_HEARTBEAT_S,
    offlineAfterS: e.PIA_OFFLINE_AFTER_S,
    joinTokenTtlH: e.PIA_JOIN_TOKEN_TTL_H,
    maxFrameBytes: e.PIA_MAX_FRAME_BYTES,
    localWorker: e.PIA_LOCAL_WORKER,
    localWorkerName: e.PIA_LOCAL_WORKER_NAME,
    logLevel: e.PIA_LOG_LEVEL,
    logFormat: e.PIA_LOG_FORMAT,
    taskTimeoutS: e.PIA_TASK_TIMEOUT_S,
    taskQueueExpiryH: e.PIA_TASK_QUEUE_EXPIRY_H,
    approvalTimeoutS: e.PIA_APPROVAL_TIMEOUT_S,
    allowFileRepos: e.PIA_ALLOW_FILE_REPOS,
    defaultAgent: e.PIA_DEFAULT_AGENT,
    publicUrl: e.PIA_PUBLIC_URL?.replace(/\/+$/, ''),
    scheduleGraceS: e.PIA_SCHEDULE_GRACE_S,
    scheduleTz,
    idleCheckS: e.PIA_IDLE_CHECK_S,
    roles: Object.freeze({ admins: e.PIA_ADMINS, operators: e.PIA_OPERATORS, viewers: e.PIA_VIEWERS, defaultRole: e.PIA_DEFAULT_ROLE }),
    outputKeepDays: e.PIA_OUTPUT_KEEP_DAYS,
    outputMaxBytes: Math.round(e.PIA_OUTPUT_MAX_GB * 1e9),
  });
}
