import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../common/logger.js';
import type { Hub } from '../hub/hub.js';
import { loadWorkerConfig } from '../worker/config.js';
import { readWorkerState } from '../worker/state.js';
import { createWorker, type Worker } from '../worker/worker.js';

/**
 * The embedded default: a worker for this machine, enrolled automatically and linked over the same WebSocket
 * as any other worker. It keeps its state in `<data dir>/local-worker`; if that secret is missing or no longer
 * valid (a new database), the hub issues a fresh join token for it.
 */
export function startLocalWorker(deps: {
  hub: Hub;
  name: string;
  dataDir: string;
  linkUrl: string;
  tlsCert: string | undefined;
  log: Logger;
  env?: NodeJS.ProcessEnv;
}): Worker {
  const { hub, name } = deps;
  const stateDir = path.join(deps.dataDir, 'local-worker');
  let machine = hub.machines.find(name);
  if (!machine) {
    machine = hub.admin.add({ id: 'hub', origin: 'local-worker' }, { name }).machine;
  }
  const state = readWorkerState(stateDir);
  let joinToken: string | undefined;
  if (!state || state.machine !== machine.name || !secretStillValid(hub, state.secret)) {
    joinToken = hub.credentials.issueJoinToken(machine, 10 * 60_000).joinToken;
  }
  const config = loadWorkerConfig({ hub: deps.linkUrl, join: joinToken, name: machine.name, stateDir }, {
    ...(deps.env ?? process.env),
    PIA_JOIN_TOKEN: undefined,
  });
  const worker = createWorker({
    config,
    log: deps.log.child({ component: 'local-worker' }),
    // In-process over loopback: trust the hub's own certificate whatever host name it was issued for.
    tls: deps.tlsCert ? { ca: readFileSync(deps.tlsCert), checkServerIdentity: () => true } : undefined,
  });
  return worker;
}

function secretStillValid(hub: Hub, secret: string): boolean {
  try {
    hub.credentials.authenticate(secret);
    return true;
  } catch {
    return false;
  }
}
