import { randomBytes } from 'node:crypto';
import { loadPiaConfig } from '../../src/app/config.js';
import { createPia, type Pia } from '../../src/app/create-pia.js';
import type { Logger } from '../../src/common/logger.js';

/** A PIA running in this process, on a free loopback port. */
export interface BenchHub {
  pia: Pia;
  httpUrl: string;
  linkUrl: string;
  port: number;
  /** The admin token, for the HTTP API. */
  token: string;
}

/**
 * Creates and starts the real PIA in this process, as `pia start` would with these variables: its own SQLite file
 * in `dataDir`, port 0 on 127.0.0.1, no local worker (chat platforms come from `env`: SLACK_*). The periodic power
 * probe is off: the figures here are about chat, not sweeps.
 */
export async function startBenchHub(opts: { dataDir: string; env?: Record<string, string>; log: Logger }): Promise<BenchHub> {
  const config = loadPiaConfig({
    PIA_DATA_DIR: opts.dataDir,
    PIA_PORT: '0',
    PIA_HOST: '127.0.0.1',
    PIA_LOCAL_WORKER: '0',
    PIA_CONSOLE: '0',
    PIA_LOG_LEVEL: 'silent',
    ...opts.env,
  });
  const token = randomBytes(24).toString('base64url');
  const pia = await createPia({ config, adminToken: token, log: opts.log, periodicProbe: false });
  try {
    const { port, httpUrl, linkUrl } = await pia.start();
    return { pia, httpUrl, linkUrl, port, token };
  } catch (err) {
    await pia.stop();
    throw err;
  }
}
