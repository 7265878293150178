import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FleetArgs } from './args.js';
import type { Cleanup } from './cleanup.js';
import { enrollFleet } from './enroll.js';
import { forkFleet } from './fleet.js';
import { hubClient, waitForLinked, type HubClient } from './hub-client.js';
import { freePort, startHub, type HubProcess } from './hub-process.js';
import { cpuMeter, listenDropMeter, readMemory } from './proc-stats.js';
import { restartStorm } from './restart.js';
import type { SizeResult } from './result.js';
import { median, percentile } from './stats.js';

const MB = 1024 * 1024;
const HUB_START_TIMEOUT_MS = 30_000;

/** Writes a progress line to stderr (stdout is kept for the results). */
export function progress(line: string): void {
  process.stderr.write(`[fleet] ${line}\n`);
}

async function timeMachines(client: HubClient, calls: number) {
  const first = await client.timeMachines(); // warm-up, also the correctness check
  const times: number[] = [];
  for (let i = 0; i < calls; i++) times.push((await client.timeMachines()).ms);
  return { median: median(times), p99: percentile(times, 99), bytes: first.bytes, listed: first.machines, online: first.online };
}

function mergeCounts(into: Record<string, number>, from: Map<string, number>): void {
  for (const [k, v] of from) into[k] = (into[k] ?? 0) + v;
}

/**
 * One fleet size, start to finish: enroll, start the hub, link every worker, measure memory, steady CPU and
 * the machines API, restart the hub and time the reconnect storm, then tear everything down.
 */
export async function runSize(workers: number, args: FleetArgs, cleanup: Cleanup): Promise<SizeResult> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pia-fleet-'));
  const removeDir = cleanup.add(() => rmSync(dataDir, { recursive: true, force: true }));
  const token = randomBytes(24).toString('base64url');
  const phaseMs = args.phaseTimeoutS * 1000;
  const errors: string[] = [];
  const hubLog: Record<string, number> = {};
  const lives: HubProcess[] = [];
  try {
    const t = performance.now();
    const enrolled = enrollFleet(dataDir, workers);
    const enrollMs = performance.now() - t;
    progress(`${workers} workers: enrolled in ${(enrollMs / 1000).toFixed(1)} s`);

    const port = await freePort();
    const startOne = async () => {
      const started = await startHub({ dataDir, port, token, timeoutMs: HUB_START_TIMEOUT_MS, cleanup });
      lives.push(started);
      return started;
    };
    let hub = await startOne();
    const fleet = await forkFleet(enrolled, { perProcess: args.perProcess, timeoutMs: 60_000, cleanup });
    try {
      const client = hubClient(hub.httpUrl, token);
      const hubPid = hub.pid;
      const hubCpu = cpuMeter(() => [hubPid]);
      const simCpu = cpuMeter(() => fleet.pids());
      const drops = listenDropMeter();
      const t0 = fleet.start(hub.linkUrl);
      const reg = await waitForLinked(client, workers, {
        since: t0,
        timeoutMs: phaseMs,
        onProgress: (n, ms) => progress(`  registering: ${n}/${workers} after ${(ms / 1000).toFixed(0)} s`),
      });
      const registerHubCpuPct = hubCpu.stop();
      const registerSimCpuPct = simCpu.stop();
      const registerListenDrops = drops.stop();
      const memAtRegister = readMemory(hub.pid);
      const hubRssMb = memAtRegister.rssBytes / MB;
      if (reg.ms === null) errors.push(`registration: only ${reg.linked}/${workers} linked after ${args.phaseTimeoutS} s`);
      progress(`  registered ${reg.linked}/${workers} in ${reg.ms === null ? 'FAILED' : `${(reg.ms / 1000).toFixed(2)} s`}; listen-queue drops ${registerListenDrops ?? '?'}; hub RSS ${hubRssMb.toFixed(0)} MB (peak ${(memAtRegister.peakBytes / MB).toFixed(0)} MB)`);

      await sleep(args.settleS * 1000);
      progress(`  measuring steady CPU for ${args.cpuWindowS} s`);
      const steady = cpuMeter(() => [hubPid]);
      await sleep(args.cpuWindowS * 1000);
      const steadyCpuPct = steady.stop();

      const api = await timeMachines(client, args.latencyCalls);
      const hubPeakRssMb = readMemory(hub.pid).peakBytes / MB;
      progress(`  steady CPU ${steadyCpuPct.toFixed(1)} %; GET /api/machines median ${api.median.toFixed(0)} ms, p99 ${api.p99.toFixed(0)} ms; hub peak RSS now ${hubPeakRssMb.toFixed(0)} MB`);

      const storm = await restartStorm({
        hub,
        token,
        workers,
        phaseMs,
        start: startOne,
        onProgress: (n, ms) => progress(`  reconnecting: ${n}/${workers} ${(ms / 1000).toFixed(0)} s after SIGTERM`),
      });
      hub = storm.hub;
      if (storm.result.backMs === null) errors.push(`restart: only ${storm.result.linked}/${workers} back after ${args.phaseTimeoutS} s`);
      progress(`  restart: old hub exited in ${(storm.result.stopMs / 1000).toFixed(1)} s, all back ${storm.result.backMs === null ? 'FAILED' : `in ${(storm.result.backMs / 1000).toFixed(2)} s`}; listen-queue drops ${storm.result.listenDrops ?? '?'}`);

      return {
        workers,
        processes: fleet.pids().length,
        enrollMs,
        registerMs: reg.ms,
        registeredLinked: reg.linked,
        registerListenDrops,
        registerHubCpuPct,
        registerSimCpuPct,
        hubRssMb,
        hubPeakAtRegisterMb: memAtRegister.peakBytes / MB,
        hubPeakRssMb,
        steadyCpuPct,
        steadyWindowS: args.cpuWindowS,
        machinesMedianMs: api.median,
        machinesP99Ms: api.p99,
        machinesBytes: api.bytes,
        machinesListed: api.listed,
        machinesOnline: api.online,
        restart: storm.result,
        refused: fleet.reported().refused,
        hubLog,
        errors,
      };
    } finally {
      await fleet.stop(5000);
      await hub.stop(10_000);
      for (const life of lives) mergeCounts(hubLog, life.logCounts);
    }
  } finally {
    removeDir();
  }
}
