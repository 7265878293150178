import { hubClient, waitForLinked } from './hub-client.js';
import type { HubProcess } from './hub-process.js';
import { cpuMeter, listenDropMeter, readMemory } from './proc-stats.js';
import type { RestartResult } from './result.js';

/** How long the old hub gets to close its links and exit after SIGTERM before it is killed. */
const STOP_GRACE_MS = 30_000;

/**
 * The reconnect storm: SIGTERM the hub (it closes every link with "going away"), start a new one on the same
 * port and data dir, and time until every worker has found it again through its own full-jitter backoff.
 * The clock starts at SIGTERM: an operator's outage includes the shutdown and the start-up.
 */
export async function restartStorm(opts: {
  hub: HubProcess;
  token: string;
  workers: number;
  phaseMs: number;
  start: () => Promise<HubProcess>;
  onProgress?: (linked: number, sinceStopMs: number) => void;
}): Promise<{ hub: HubProcess; result: RestartResult }> {
  const drops = listenDropMeter();
  const tStop = performance.now();
  const stopped = await opts.hub.stop(STOP_GRACE_MS);
  const tSpawn = performance.now();
  const hub = await opts.start();
  const tReady = performance.now();
  const cpu = cpuMeter(() => [hub.pid]);
  const client = hubClient(hub.httpUrl, opts.token);
  const back = await waitForLinked(client, opts.workers, { since: tStop, timeoutMs: opts.phaseMs, onProgress: opts.onProgress });
  return {
    hub,
    result: {
      stopMs: stopped.exitMs,
      killed: stopped.killed,
      startMs: tReady - tSpawn,
      backMs: back.ms,
      backAfterStartMs: back.ms === null ? null : back.ms - (tReady - tStop),
      linked: back.linked,
      listenDrops: drops.stop(),
      hubRssMb: readMemory(hub.pid).rssBytes / (1024 * 1024),
      hubCpuPct: cpu.stop(),
    },
  };
}
