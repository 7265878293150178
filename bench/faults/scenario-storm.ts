import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Cleanup } from '../fleet/cleanup.js';
import { killQuietly } from '../fleet/cleanup.js';
import { enrollFleet } from '../fleet/enroll.js';
import { forkFleet } from '../fleet/fleet.js';
import { hubClient, waitForLinked } from '../fleet/hub-client.js';
import { freePort, startHub, type HubProcess } from '../fleet/hub-process.js';
import { openFilesLimit, readMemory } from '../fleet/proc-stats.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { accepts } from '../../test/helpers/ports.js';
import type { FaultsArgs } from './args.js';
import { outcome, progress, type ScenarioResult } from './result.js';

const MB = 1024 * 1024;
/** File descriptors the hub needs beyond its sockets (stdio, SQLite, libuv), as the fleet benchmark reserves. */
const FD_HEADROOM = 1000;
const MAX_WORKERS = 19_000;
const TARGETS = { startS: 1, backS: 20, peakRssMb: 400 };

/** As many workers as the hub's open-files limit leaves room for, at most 19,000 (the figure). */
function stormSize(args: FaultsArgs): number {
  if (args.stormWorkers) return args.stormWorkers;
  const limit = openFilesLimit() ?? 20_000;
  return Math.max(100, Math.min(MAX_WORKERS, limit - FD_HEADROOM));
}

/**
 * 3. Reconnect storm at the machine's limit: link every simulated worker (the fleet benchmark's real link clients),
 * read the full machine list, SIGKILL the hub, start a new one on the same port and data dir, and time until every
 * worker is back; then the full list again. Peak RSS is the kernel's high-water mark of each hub process.
 */
export async function reconnectStorm(args: FaultsArgs, cleanup: Cleanup): Promise<ScenarioResult> {
  const workers = stormSize(args);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pia-faults-storm-'));
  cleanup.add(() => rmSync(dataDir, { recursive: true, force: true }));
  const token = randomBytes(24).toString('base64url');
  const problems: string[] = [];
  const enrolled = enrollFleet(dataDir, workers);
  progress(`  3: ${workers} machines enrolled`);
  const port = await freePort();
  // Start-up is timed to the moment the port accepts: the workers' storm then competes with any later request,
  // and the start itself (loading, opening the registry) is what the target is about.
  const start = async (): Promise<{ hub: HubProcess; ms: number }> => {
    const t0 = performance.now();
    let listeningMs: number | undefined;
    const started = startHub({ dataDir, port, token, timeoutMs: 60_000, cleanup });
    let done = false;
    void started.finally(() => (done = true)).catch(() => undefined);
    while (!done && listeningMs === undefined) {
      if (await accepts(port)) listeningMs = performance.now() - t0;
      else await sleep(20);
    }
    const hub = await started;
    return { hub, ms: listeningMs ?? performance.now() - t0 };
  };
  const first = await start();
  // The simulated workers stand for other machines: niced, so on this shared machine they yield to the hub.
  const fleet = await forkFleet(enrolled, { perProcess: 2000, timeoutMs: 60_000, cleanup, nice: 10 });
  const client = hubClient(first.hub.httpUrl, token);
  const t0 = fleet.start(first.hub.linkUrl);
  const reg = await waitForLinked(client, workers, {
    since: t0,
    timeoutMs: 180_000,
    onProgress: (n, ms) => progress(`  3: linked ${n}/${workers} after ${(ms / 1000).toFixed(0)} s; hub RSS ${(readMemory(first.hub.pid).rssBytes / MB).toFixed(0)} MB`),
  });
  if (reg.ms === null) problems.push(`only ${reg.linked}/${workers} linked at first`);
  const peakLinked = readMemory(first.hub.pid).peakBytes / MB;
  const list1 = await client.timeMachines().catch((err: Error) => {
    throw new Error(`${err.message}; hub log: ${[...first.hub.logCounts.keys()].slice(-5).join(' | ')}`);
  });
  const peak1 = readMemory(first.hub.pid).peakBytes / MB;
  progress(`  3: all linked in ${((reg.ms ?? 0) / 1000).toFixed(1)} s; machine list ${list1.bytes} bytes in ${list1.ms.toFixed(0)} ms; peak RSS ${peak1.toFixed(0)} MB`);

  // The fault: the hub dies at once, no goodbye to any worker.
  killQuietly(first.hub.pid, 'SIGKILL');
  await first.hub.stop(5000);
  const second = await start();
  const tReady = performance.now();
  const back = await waitForLinked(hubClient(second.hub.httpUrl, token), workers, {
    since: tReady,
    timeoutMs: 120_000,
    onProgress: (n, ms) => progress(`  3: back ${n}/${workers} after ${(ms / 1000).toFixed(0)} s`),
  });
  const peakBack = readMemory(second.hub.pid).peakBytes / MB;
  const list2 = await hubClient(second.hub.httpUrl, token).timeMachines();
  const peak2 = readMemory(second.hub.pid).peakBytes / MB;
  const refused = fleet.reported().refused;
  const warnings = [...second.hub.logCounts.values()].reduce((a, b) => a + b, 0);
  await fleet.stop(10_000);
  await second.hub.stop(30_000);

  const backS = back.ms === null ? null : back.ms / 1000;
  if (backS === null) problems.push(`only ${back.linked}/${workers} back within 120 s of the restart`);
  else if (backS > TARGETS.backS) problems.push(`all back ${backS.toFixed(1)} s after the restart (target ${TARGETS.backS} s)`);
  for (const [what, ms] of [['start', first.ms], ['restart', second.ms]] as const) {
    if (ms / 1000 > TARGETS.startS) problems.push(`${what} took ${(ms / 1000).toFixed(2)} s to listen with ${workers} machines (target ${TARGETS.startS} s)`);
  }
  const peak = Math.max(peak1, peak2);
  if (peak > TARGETS.peakRssMb) problems.push(`hub peak RSS ${peak.toFixed(0)} MB (target ${TARGETS.peakRssMb} MB)`);
  if (refused) problems.push(`${refused} workers refused for good (handshake failures)`);
  if (list2.online !== workers) problems.push(`machine list after the storm shows ${list2.online}/${workers} online`);
  return outcome(
    {
      id: 3,
      name: 'reconnect-storm',
      load: `${workers.toLocaleString('en-US')} linked workers (simulated links)`,
      fault: 'hub SIGKILL, restart on the same port',
      checked: `start to listening <= ${TARGETS.startS} s; all back <= ${TARGETS.backS} s; no refusal; peak RSS <= ${TARGETS.peakRssMb} MB with a full GET /api/machines`,
      figures: {
        workers,
        'start s': round2(first.ms / 1000),
        'restart s': round2(second.ms / 1000),
        'back s': backS === null ? null : round2(backS),
        'peak RSS MB': Math.round(peak),
        'peak linked / +list MB': `${Math.round(peakLinked)} / ${Math.round(peak1)}`,
        'peak back / +list MB': `${Math.round(peakBack)} / ${Math.round(peak2)}`,
        'list MB': round2(list1.bytes / MB),
        'list ms': Math.round(list2.ms),
        refused,
        'hub warnings': warnings,
      },
    },
    problems,
  );
}

const round2 = (n: number) => Math.round(n * 100) / 100;
