/**
 * `npm run bench:fleet`: the hub under a simulated fleet. For each size it links that many workers (real link
 * clients, many per process), then measures registration time, hub memory, steady heartbeat CPU, the machines
 * API, and the reconnect storm after a hub restart. Prints one JSON line and a table on stdout; progress on
 * stderr. Only loopback is used.
 */
import { parseFleetArgs, type FleetArgs } from './args.js';
import { installCleanup } from './cleanup.js';
import { openFilesLimit } from './proc-stats.js';
import { humanTable, jsonLine, machineInfo, missedTargets, type SizeFailure } from './report.js';
import type { SizeResult } from './result.js';
import { progress, runSize } from './scenario.js';

/** File descriptors a process needs beyond its sockets (stdio, SQLite, IPC, libuv). */
const FD_HEADROOM = 200;

function checkFileLimit(args: FleetArgs): void {
  const limit = openFilesLimit();
  if (limit === undefined) return;
  const largest = Math.max(...args.sizes);
  if (largest + FD_HEADROOM > limit) {
    throw new Error(`the hub would hold ${largest} sockets but the open-files limit is ${limit}; use smaller --sizes or raise ulimit -n`);
  }
  if (args.perProcess + FD_HEADROOM > limit) {
    throw new Error(`--per-process ${args.perProcess} exceeds the open-files limit ${limit}; use a smaller --per-process`);
  }
}

async function main(): Promise<number> {
  let args: FleetArgs;
  try {
    args = parseFleetArgs(process.argv.slice(2));
    checkFileLimit(args);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const cleanup = installCleanup();
  const machine = machineInfo();
  const results: SizeResult[] = [];
  const failures: SizeFailure[] = [];
  for (const size of args.sizes) {
    progress(`${size} workers: starting`);
    try {
      results.push(await runSize(size, args, cleanup));
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      progress(`${size} workers: not measured: ${error}`);
      failures.push({ workers: size, error });
    }
    cleanup.runAll();
    // The parent holds every secret and fact of the last size; let it go before the next one.
    (globalThis as { gc?: () => void }).gc?.();
  }
  process.stdout.write(`${jsonLine(results, failures, args, machine)}\n\n${humanTable(results, failures, machine)}\n`);
  // Non-zero when a size could not be measured or a target was missed, so a script can gate on it.
  return failures.length || missedTargets(results).length ? 1 : 0;
}

process.exitCode = await main();
// Timers of finished phases (grace periods) must not keep the benchmark alive.
process.exit();
