import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Cleanup } from '../fleet/cleanup.js';
import { freePort } from '../fleet/hub-process.js';
import type { FaultsArgs } from './args.js';
import { watchHubEvents } from './hub-events.js';
import { startPiaFleet } from './pia-fleet.js';
import { outcome, progress, type ScenarioResult } from './result.js';
import { verifyCountingTasks, waitAllFinal } from './verify-tasks.js';

const preload = fileURLToPath(new URL('./clock-preload.js', import.meta.url));
const HOUR = 3600_000;
/** Workers: the first `BUSY` run tasks (output keeps their links heard); the others are idle, heard only by heartbeats. */
const WORKERS = 5;
const BUSY = 2;
const HEARTBEAT_S = 3;
const OFFLINE_AFTER_S = 8;
/** Each step is held this long: past the offline deadline, so a false one would show. */
const HOLD_MS = (OFFLINE_AFTER_S + 3) * 1000;
const LINES = 500;
const RATE = 20;

/**
 * 8. Clock steps: the hub's wall clock (an injected clock, see clock-preload.ts) jumps an hour forward, then back,
 * while its workers run tasks and a task waits in the queue for a machine that is off. No machine may be seen
 * offline, the queued task must not expire (its expiry is one hour), the running tasks must finish normally.
 */
export async function clockSteps(_args: FaultsArgs, cleanup: Cleanup): Promise<ScenarioResult> {
  const port = await freePort();
  const clockFile = path.join(process.env.TMPDIR ?? '/tmp', `pia-faults-clock-${port}`);
  writeFileSync(clockFile, '0');
  cleanup.add(() => writeFileSync(clockFile, '0'));
  const fleet = await startPiaFleet({
    workers: WORKERS,
    maxTasks: 2,
    hubPort: port,
    cleanup,
    hubEnv: {
      NODE_OPTIONS: `--import=${preload}`,
      PIA_BENCH_CLOCK_FILE: clockFile,
      PIA_HEARTBEAT_S: String(HEARTBEAT_S),
      PIA_OFFLINE_AFTER_S: String(OFFLINE_AFTER_S),
      PIA_TASK_QUEUE_EXPIRY_H: '1',
    },
  });
  await fleet.api.addMachine('asleep');
  const queued = await fleet.api.createTask({ kind: 'run', machine: 'asleep', prompt: 'waits for its machine' });
  const tasks = await fleet.createTasks(BUSY, LINES, RATE);
  // Every offline event the hub publishes, as a dashboard sees them (a flap shorter than any poll is counted too).
  const events = await watchHubEvents(fleet.hub.httpUrl, fleet.token);
  const step = (ms: number) => {
    writeFileSync(clockFile, String(ms));
    process.kill(fleet.hub.pid, 'SIGUSR2');
  };
  progress('  8: wall clock +1 h');
  step(HOUR);
  await sleep(500);
  // Proof the step took: a task created now carries the hub's stepped time.
  const probe = await fleet.api.post('/api/tasks', { kind: 'run', machine: 'asleep', prompt: 'clock probe' });
  const stepSeenS = Math.round((Date.parse((probe as { task: { createdAt: string } }).task.createdAt) - Date.now()) / 1000);
  await sleep(HOLD_MS - 500);
  progress('  8: wall clock back');
  step(0);
  await sleep(HOLD_MS);
  const offlineEvents = events.count('machine.offline');
  events.close();

  const finalMs = await waitAllFinal(fleet.api, tasks.map((t) => t.id), 60_000);
  const checked = await verifyCountingTasks(fleet.api, tasks, LINES, fleet.startsFile);
  const queuedState = (await fleet.api.task(queued.id)).state;
  await fleet.workers.stop(10_000);
  await fleet.hub.stop(10_000);

  const problems = [...checked.problems];
  if (Math.abs(stepSeenS - HOUR / 1000) > 60) problems.push(`the hub's clock moved ${stepSeenS} s, not an hour: the injected clock did not take`);
  if (offlineEvents) problems.push(`${offlineEvents} machines marked offline during the steps`);
  if (queuedState !== 'queued') problems.push(`the queued task (1 h expiry) is ${queuedState} after the steps`);
  if (finalMs === null) problems.push('the running tasks did not finish within 60 s after the steps');
  return outcome(
    {
      id: 8,
      name: 'clock-steps',
      load: `${WORKERS} workers (${BUSY} running tasks, ${WORKERS - BUSY} idle); a task queued for an offline machine (1 h expiry)`,
      fault: `hub wall clock +1 h, then back, each held ${HOLD_MS / 1000} s (offline after ${OFFLINE_AFTER_S} s)`,
      checked: 'no machine marked offline; no queued task expired; running tasks finish normally',
      figures: { 'step seen s': stepSeenS, 'offline events': offlineEvents, 'queued task': queuedState, 'tasks succeeded': tasks.length - checked.problems.length, schedules: 'none on this branch' },
    },
    problems,
  );
}
