import { randomBytes } from 'node:crypto';
import type { Logger } from '../../src/common/logger.js';
import { loadHubConfig } from '../../src/hub/config.js';
import { createHub, type Hub } from '../../src/hub/hub.js';

/** A hub running in this process, on a free loopback port. */
export interface BenchHub {
  hub: Hub;
  httpUrl: string;
  linkUrl: string;
  port: number;
}

/**
 * Creates and starts the real hub in this process, as `pia hub` would with these variables: its own SQLite file
 * in `dataDir`, port 0 on 127.0.0.1, no local worker. `beforeStart` mounts routes (the server cannot take new
 * ones once listening). The periodic power probe is off: the figures here are about chat, not sweeps.
 */
export async function startBenchHub(opts: { dataDir: string; env?: Record<string, string>; log: Logger; beforeStart?: (hub: Hub) => Promise<void> }): Promise<BenchHub> {
  const config = loadHubConfig({
    PIA_DATA_DIR: opts.dataDir,
    PIA_PORT: '0',
    PIA_HOST: '127.0.0.1',
    PIA_LOCAL_WORKER: '0',
    PIA_LOG_LEVEL: 'silent',
    ...opts.env,
  });
  const hub = createHub({ config, adminToken: randomBytes(24).toString('base64url'), log: opts.log, periodicProbe: false });
  try {
    await opts.beforeStart?.(hub);
    const { port, httpUrl, linkUrl } = await hub.start();
    return { hub, httpUrl, linkUrl, port };
  } catch (err) {
    await hub.stop();
    throw err;
  }
}
