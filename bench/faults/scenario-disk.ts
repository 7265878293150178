import { execFileSync } from 'node:child_process';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cleanup } from '../fleet/cleanup.js';
import { freePort } from '../fleet/hub-process.js';
import type { FaultsArgs } from './args.js';
import { notRun } from './not-run.js';
import { startPiaFleet } from './pia-fleet.js';
import { outcome, progress, type ScenarioResult } from './result.js';
import { verifyCountingTasks, waitAllFinal } from './verify-tasks.js';

const TMPFS_MB = 64;
const WORKERS = 2;
const TASKS = 4;
const LINES = 600;
const RATE = 20;
const FULL_FOR_MS = 10_000;

/** Writes zeros into `file` until the file system says it is full; returns the bytes written. */
function fillUp(file: string): number {
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(256 * 1024);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, block);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return written;
}

/**
 * 6. Disk full: the hub's data directory is a small tmpfs (root only: mounting one needs it), filled to the last
 * byte while tasks write. A new task must be refused with a clear error, the hub must stay up, and once space is
 * freed every line must be stored once and in order. (A worker's spool on a full disk is not covered here.)
 */
export async function diskFull(_args: FaultsArgs, cleanup: Cleanup): Promise<ScenarioResult> {
  if (process.getuid?.() !== 0) return notRun(6, 'needs root to mount a small tmpfs for the data dir; a size-capped file would not fail the way a full disk does');
  let mountedAt: string | undefined;
  const fleet = await startPiaFleet({
    workers: WORKERS,
    maxTasks: TASKS / WORKERS,
    hubPort: await freePort(),
    cleanup,
    beforeHub: (dataDir) => {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_MB}m,mode=0700`, 'tmpfs', dataDir]);
      mountedAt = dataDir;
      cleanup.add(() => execFileSync('umount', ['-l', dataDir]));
    },
  });
  const filler = path.join(mountedAt!, 'filler');
  const tasks = await fleet.createTasks(TASKS, LINES, RATE);
  await sleep(3000);
  const filled = fillUp(filler);
  progress(`  6: data dir full (${(filled / 1024 / 1024).toFixed(1)} MB of filler)`);
  const refusal = await fleet.api.createTask({ kind: 'run', machine: fleet.workers.names[0]!, prompt: 'while full' }).then(
    () => 'accepted',
    (err: Error) => err.message,
  );
  await sleep(FULL_FOR_MS);
  let healthy = false;
  try {
    healthy = (await fetch(`${fleet.hub.httpUrl}/api/health`, { signal: AbortSignal.timeout(5000) })).ok;
  } catch {
    healthy = false;
  }
  rmSync(filler);
  progress('  6: space freed');
  const tFreed = performance.now();
  const finalMs = await waitAllFinal(fleet.api, tasks.map((t) => t.id), 120_000);
  const checked = await verifyCountingTasks(fleet.api, tasks, LINES, fleet.startsFile).catch((err: Error) => {
    throw new Error(`${err.message}; hub log: ${[...fleet.hub.logCounts.keys()].slice(-16).join(' | ')}`);
  });
  await fleet.workers.stop(10_000);
  await fleet.hub.stop(10_000);

  const problems = [...checked.problems];
  if (!healthy) problems.push('the hub did not answer /api/health while its disk was full');
  if (refusal === 'accepted') problems.push('a new task was accepted on a full disk');
  if (finalMs === null) problems.push('not every task finished within 120 s of freeing space');
  return outcome(
    {
      id: 6,
      name: 'disk-full',
      load: `${TASKS} tasks on ${WORKERS} workers, ${LINES} lines each at ${RATE}/s`,
      fault: `hub data dir (a ${TMPFS_MB} MB tmpfs) filled to ENOSPC for ${FULL_FOR_MS / 1000} s, then freed`,
      checked: 'new work refused with a clear error; hub up; every line stored once after space is freed',
      figures: {
        'new task while full': refusal.slice(0, 160),
        'hub up while full': healthy ? 'yes' : 'no',
        'final after freeing s': finalMs === null ? null : Math.round((performance.now() - tFreed) / 100) / 10,
        'lines stored': checked.linesStored,
        'lines expected': TASKS * LINES,
      },
    },
    problems,
  );
}
