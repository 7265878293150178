import { startHub, type HubProcess } from '../fleet/hub-process.js';
import type { Cleanup } from '../fleet/cleanup.js';

/** A hub running as its own process (`node bin/pia.js hub`), set up for the power benchmark. */
export type PowerHub = HubProcess;

/** Settings of the hub under test. */
export interface PowerHubOptions {
  dataDir: string;
  port: number;
  token: string;
  /** The hub's own magic-packet targets (PIA_WOL_TARGETS): the sink, never a broadcast address. */
  wolTarget: string;
  timeoutMs: number;
  cleanup: Cleanup;
}

/**
 * Starts the hub as the fleet benchmark does, in loopback-only mode, with its magic packets aimed at the
 * benchmark's sink and short probe and wake time-outs, so a wake that is cancelled late still ends soon.
 */
export function startPowerHub(opts: PowerHubOptions): Promise<PowerHub> {
  return startHub({
    ...opts,
    env: { PIA_NET_LOOPBACK_ONLY: '1', PIA_WOL_TARGETS: opts.wolTarget, PIA_PROBE_TIMEOUT_MS: '300', PIA_WAKE_TIMEOUT_S: '2' },
  });
}
