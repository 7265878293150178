import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../common/logger.js';
import { loadWorkerConfig } from '../worker/config.js';
import { readWorkerState } from '../worker/state.js';
import { createWorker, type Worker } from '../worker/worker.js';

/** What the embedded worker needs from the hub to enrol itself: its machine, and a join token when its secret is stale. */
export interface LocalEnrolment {
  /** Registers the machine when it is not yet (idempotent). */
  ensureMachine(name: string): void;
  /** Whether a stored secret is still accepted by the hub. */
  secretValid(secret: string): boolean;
  /** A single-use join token for the machine, valid for `ttlMs`. */
  joinToken(name: string, ttlMs: number): string;
}

/**
 * The embedded default: a worker for this machine, enrolled automatically and linked over the same WebSocket
 * as any other worker. It keeps its state in `<data dir>/local-worker`; if that secret is missing or no longer
 * valid (a new database), the hub issues a fresh join token for it.
 */
export function startLocalWorker(deps: {
  enrolment: LocalEnrolment;
  name: string;
  dataDir: string;
  linkUrl: string;
  tlsCert: string | undefined;
  log: Logger;
  env?: NodeJS.ProcessEnv;
}): Worker {
  const { enrolment, name } = deps;
  enrolment.ensureMachine(name);
  const stateDir = path.join(deps.dataDir, 'local-worker');
  const state = readWorkerState(stateDir);
  const join = !state || state.machine !== name || !enrolment.secretValid(state.secret) ? enrolment.joinToken(name, 10 * 60_000) : undefined;
  const config = loadWorkerConfig({ hub: deps.linkUrl, join, name, stateDir }, { ...(deps.env ?? process.env), PIA_JOIN_TOKEN: undefined });
  return createWorker({
    config,
    log: deps.log.child({ component: 'local-worker' }),
    // In-process over loopback: trust the hub's own certificate whatever host name it was issued for.
    tls: deps.tlsCert ? { ca: readFileSync(deps.tlsCert), checkServerIdentity: () => true } : undefined,
  });
}
