import { setTimeout as sleep } from 'node:timers/promises';
import { startTcpProxy } from '../../test/helpers/tcp-proxy.js';
import type { Cleanup } from '../fleet/cleanup.js';
import { freePort } from '../fleet/hub-process.js';
import type { FaultsArgs } from './args.js';
import { watchHubEvents } from './hub-events.js';
import { startPiaFleet } from './pia-fleet.js';
import { outcome, progress, type ScenarioResult } from './result.js';
import { allOnline } from './scenario-hub-kill.js';
import { verifyCountingTasks, waitAllFinal } from './verify-tasks.js';

const WORKERS = 5;
const TASKS = 10;
const RATE = 10;
const HEARTBEAT_S = 5;
const OFFLINE_AFTER_S = 15;

/**
 * 2. Link cut: every worker reaches the hub through a TCP proxy that, for `--cut-s` seconds, passes nothing and
 * sends no FIN or RST (a dead network path). Tasks write all along. The machines must go offline after the
 * deadline and come back after, with every line stored once and in order.
 */
export async function linkCut(args: FaultsArgs, cleanup: Cleanup): Promise<ScenarioResult> {
  const hubPort = await freePort();
  const proxy = await startTcpProxy(hubPort);
  cleanup.add(() => void proxy.close());
  const fleet = await startPiaFleet({
    workers: WORKERS,
    maxTasks: TASKS / WORKERS,
    hubPort,
    cleanup,
    hubEnv: { PIA_HEARTBEAT_S: String(HEARTBEAT_S), PIA_OFFLINE_AFTER_S: String(OFFLINE_AFTER_S) },
    linkUrl: () => `ws://127.0.0.1:${proxy.port}/link`,
  });
  const events = await watchHubEvents(fleet.hub.httpUrl, fleet.token);
  // Long enough to write before, during and after the cut.
  const lines = (args.cutS + 20) * RATE;
  const tCreate = performance.now();
  const tasks = await fleet.createTasks(TASKS, lines, RATE);
  await sleep(5000);
  progress(`  2: cutting the path for ${args.cutS} s`);
  const tCut = performance.now();
  proxy.cut();
  // Offline is the hub's verdict alone: it hears nothing for OFFLINE_AFTER_S.
  let offlineMs: number | null = null;
  while (performance.now() - tCut < args.cutS * 1000) {
    if (offlineMs === null && events.count('machine.offline') >= WORKERS) offlineMs = performance.now() - tCut;
    await sleep(250);
  }
  const offlineDuringCut = events.count('machine.offline');
  proxy.restore();
  const tRestore = performance.now();
  progress('  2: path restored');
  const backMs = await allOnline(fleet.api, fleet.workers.names, 120_000);
  const finalMs = await waitAllFinal(fleet.api, tasks.map((t) => t.id), 180_000);
  const tFinal = performance.now();
  const finalAfterRestoreS = finalMs === null ? null : (tFinal - tRestore) / 1000;
  // Catching up: how long after the agents' own last line (they write at a fixed pace) the last task was final.
  const catchUpS = finalMs === null ? null : (tFinal - tCreate - (lines / RATE) * 1000) / 1000;
  const checked = await verifyCountingTasks(fleet.api, tasks, lines, fleet.startsFile);
  events.close();
  await fleet.workers.stop(10_000);
  await fleet.hub.stop(10_000);
  await proxy.close();

  const problems = [...checked.problems];
  if (offlineDuringCut < WORKERS) problems.push(`only ${offlineDuringCut}/${WORKERS} machines marked offline during a ${args.cutS} s cut (deadline ${OFFLINE_AFTER_S} s)`);
  if (backMs === null) problems.push('not every machine was online within 120 s of the restore');
  if (finalMs === null) problems.push('not every task finished within 180 s of the restore');
  return outcome(
    {
      id: 2,
      name: 'link-cut',
      load: `${TASKS} tasks on ${WORKERS} workers, ${lines} lines each at ${RATE}/s`,
      fault: `TCP path silently dropped for ${args.cutS} s (no FIN), then restored`,
      checked: `offline after ${OFFLINE_AFTER_S} s without a heartbeat; online after; every line once, in order; nothing run twice`,
      figures: {
        'offline after s': offlineMs === null ? null : round1(offlineMs / 1000),
        'online after restore s': backMs === null ? null : round1(backMs / 1000),
        'all final after restore s': finalAfterRestoreS === null ? null : round1(finalAfterRestoreS),
        'final after last line s': catchUpS === null ? null : round1(catchUpS),
        'lines stored': checked.linesStored,
        'lines expected': TASKS * lines,
        'run twice': checked.runTwice,
      },
    },
    problems,
  );
}

const round1 = (n: number) => Math.round(n * 10) / 10;
