/**
 * `npm run bench:stream`: task output under load, in one run. (B, run first) The flood through a bare ws forwarder
 * to a discarding sink, the baseline. (A) PIA: a hub and real worker processes running the same flood agents; what
 * the hub stores per second, worker-to-hub latency, hub memory, and a byte-exact check. (C) One deploy fanned out
 * to many linked machines. Prints one JSON line and a table on stdout; progress on stderr; exit 1 on a missed target.
 * Only loopback is used.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseStreamArgs, type PhaseName, type StreamArgs } from './args.js';
import { installCleanup, type Cleanup } from '../fleet/cleanup.js';
import { openFilesLimit } from '../fleet/proc-stats.js';
import { runFanout } from './fanout-phase.js';
import { runPia } from './pia-phase.js';
import { unwrittenBytes } from './proc.js';
import { messageOf, progress } from './progress.js';
import { runRaw } from './raw-phase.js';
import { humanTable, jsonLine, loadAverage, machineInfo, missedTargets } from './report.js';
import type { RunResult, StreamResults } from './result.js';
import { withTimeout } from '../fleet/with-timeout.js';

/** File descriptors beyond the fan-out's sockets (stdio, SQLite, IPC, libuv). */
const FD_HEADROOM = 200;

/** Runs one phase in its own temp dir, bounded in time; a failure is recorded, not thrown. */
async function phase<T>(
  name: PhaseName,
  args: StreamArgs,
  cleanup: Cleanup,
  results: StreamResults,
  run: (dir: string) => Promise<T>,
  runIndex?: number,
): Promise<T | null> {
  await settleDisk();
  const dir = mkdtempSync(path.join(os.tmpdir(), `pia-stream-${name}-`));
  const removeDir = cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
  // Setup, the measured window, draining and the byte check each have their own bounds inside; this is the backstop.
  const limitMs = (args.seconds + 3 * args.phaseTimeoutS) * 1000;
  try {
    return await withTimeout(run(dir), limitMs, `${name} phase took longer than ${limitMs / 1000} s`);
  } catch (err) {
    progress(`${name}: not measured: ${messageOf(err)}`);
    results.failures.push({ ...(runIndex !== undefined ? { run: runIndex + 1 } : {}), phase: name, error: messageOf(err) });
    return null;
  } finally {
    // Kill whatever the phase left (a timed-out phase leaves its processes) and remove its files.
    cleanup.runAll();
    removeDir();
    (globalThis as { gc?: () => void }).gc?.();
  }
}

/**
 * Waits (at most a minute) until the kernel has written back what is left in the page cache: PIA's phase writes
 * gigabytes, and their writeback would otherwise eat the next phase's CPU.
 */
async function settleDisk(): Promise<void> {
  const limit = 64 * 1024 * 1024;
  const deadline = Date.now() + 60_000;
  if (unwrittenBytes() <= limit) return;
  progress(`waiting for ${(unwrittenBytes() / 1e6).toFixed(0)} MB of page cache to reach the disk before the next phase`);
  while (unwrittenBytes() > limit && Date.now() < deadline) await sleep(250);
}

async function main(): Promise<number> {
  let args: StreamArgs;
  try {
    args = parseStreamArgs(process.argv.slice(2));
    const limit = openFilesLimit();
    if (args.phases.includes('fanout') && limit !== undefined && args.fanout + FD_HEADROOM > limit) {
      throw new Error(`the hub would hold ${args.fanout} sockets but the open-files limit is ${limit}; use a smaller --fanout or raise ulimit -n`);
    }
  } catch (err) {
    process.stderr.write(`${messageOf(err)}\n`);
    return 2;
  }
  const cleanup = installCleanup();
  const machine = { ...machineInfo(), loadAtStart: loadAverage() };
  const results: StreamResults = { runs: [], fanout: null, failures: [] };
  for (let i = 0; i < args.runs && (args.phases.includes('raw') || args.phases.includes('pia')); i++) {
    if (args.runs > 1) progress(`run ${i + 1} of ${args.runs}`);
    const run: RunResult = { raw: null, pia: null };
    results.runs.push(run);
    // The baseline first: it writes nothing to disk, so PIA's writeback cannot slow it down.
    if (args.phases.includes('raw')) run.raw = await phase('raw', args, cleanup, results, () => runRaw(args, cleanup), i);
    if (args.phases.includes('pia')) run.pia = await phase('pia', args, cleanup, results, (dir) => runPia(args, cleanup, dir), i);
  }
  if (args.phases.includes('fanout')) results.fanout = await phase('fanout', args, cleanup, results, (dir) => runFanout(args, cleanup, dir));
  process.stdout.write(`${jsonLine(results, args, machine)}\n\n${humanTable(results, args, machine)}\n`);
  return missedTargets(results).length ? 1 : 0;
}

process.exitCode = await main();
// Timers of finished phases (grace periods, samplers) must not keep the benchmark alive.
process.exit();
