import { setTimeout as sleep } from 'node:timers/promises';
import { killQuietly, type Cleanup } from '../fleet/cleanup.js';
import { freePort } from '../fleet/hub-process.js';
import type { HubApi } from '../stream/hub-api.js';
import type { FaultsArgs } from './args.js';
import { startPiaFleet } from './pia-fleet.js';
import { outcome, progress, type ScenarioResult } from './result.js';
import { verifyCountingTasks, waitAllFinal } from './verify-tasks.js';

const WORKERS = 10;
const TASKS = 100;
const LINES = 300;
const RATE = 50;

/** Resolves with the ms until every named machine is online (null after `timeoutMs`). */
export async function allOnline(api: HubApi, names: readonly string[], timeoutMs: number): Promise<number | null> {
  const t0 = performance.now();
  for (;;) {
    try {
      const online = new Set((await api.machines()).filter((m) => m.status === 'online').map((m) => m.name));
      if (names.every((n) => online.has(n))) return performance.now() - t0;
    } catch {
      // restarting or busy
    }
    if (performance.now() - t0 > timeoutMs) return null;
    await sleep(100);
  }
}

/**
 * 1. Hub SIGKILL under load: 100 counting tasks on 10 real workers; once all run, the hub is killed at a random
 * moment and started again on the same data dir and port. Every line must be stored once and in order, every task
 * succeed, no agent start twice.
 */
export async function hubKill(_args: FaultsArgs, cleanup: Cleanup): Promise<ScenarioResult> {
  const fleet = await startPiaFleet({ workers: WORKERS, maxTasks: TASKS / WORKERS, hubPort: await freePort(), cleanup });
  const tasks = await fleet.createTasks(TASKS, LINES, RATE);
  const runningMs = await (async () => {
    const t0 = performance.now();
    while ((await fleet.api.tasksInState('running')).length < TASKS && performance.now() - t0 < 60_000) await sleep(200);
    return performance.now() - t0;
  })();
  const taskSeconds = LINES / RATE;
  const killAfterMs = Math.round(Math.random() * taskSeconds * 500); // somewhere in the first half of the output
  progress(`  1: ${TASKS} tasks running after ${(runningMs / 1000).toFixed(1)} s; killing the hub in ${killAfterMs} ms`);
  await sleep(killAfterMs);
  killQuietly(fleet.hub.pid, 'SIGKILL');
  await fleet.hub.stop(5000);
  const tRestart = performance.now();
  const hub = await fleet.restartHub();
  const startMs = performance.now() - tRestart;
  const backMs = await allOnline(fleet.api, fleet.workers.names, 60_000);
  const finalMs = await waitAllFinal(fleet.api, tasks.map((t) => t.id), 120_000);
  const allFinalS = finalMs === null ? null : round1((performance.now() - tRestart) / 1000);
  const checked = await verifyCountingTasks(fleet.api, tasks, LINES, fleet.startsFile);
  await fleet.workers.stop(10_000);
  await hub.stop(10_000);

  const problems = [...checked.problems];
  if (backMs === null) problems.push('not every worker was back online within 60 s of the restart');
  if (finalMs === null) problems.push('not every task reached a final state within 120 s of the restart');
  return outcome(
    {
      id: 1,
      name: 'hub-kill',
      load: `${TASKS} tasks on ${WORKERS} workers, ${LINES} numbered lines each at ${RATE}/s`,
      fault: `hub SIGKILL ${(killAfterMs / 1000).toFixed(1)} s into the output, restart`,
      checked: 'every line stored once and in order; all succeeded; no agent started twice',
      figures: {
        'lines stored': checked.linesStored,
        'lines expected': TASKS * LINES,
        'run twice': checked.runTwice,
        'restart s': round1(startMs / 1000),
        'workers back s': backMs === null ? null : round1(backMs / 1000),
        'all final s': allFinalS,
      },
    },
    problems,
  );
}

const round1 = (n: number) => Math.round(n * 10) / 10;
