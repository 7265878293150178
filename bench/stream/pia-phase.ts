import { randomBytes } from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StreamArgs } from './args.js';
import type { Cleanup } from '../fleet/cleanup.js';
import { freePort, startHub } from '../fleet/hub-process.js';
import { readProcs } from './cpu-windows.js';
import { floodPromptFor } from './flood-spec.js';
import { hubApi, type HubApi, type TaskView } from './hub-api.js';
import { mergeCounts } from './log-counter.js';
import { BYTES, LATENCY, LOOP_DELAY, summarise, type Measured } from './pia-summary.js';
import { startWorkers, type WorkerProcs } from './pia-workers.js';
import { messageOf, progress } from './progress.js';
import { histogram, metricValue } from './prom.js';
import { loadAverage } from './report.js';
import type { PiaResult } from './result.js';
import { startSampler } from './sampler.js';
import { verifyStored } from './verify.js';

const unfinished = ['queued', 'dispatched', 'running'] as const;

/** The hub's database and its WAL, in bytes (the shared-memory index is a fixed few pages, not counted). */
function diskBytes(dataDir: string): number {
  return ['pia.db', 'pia.db-wal'].reduce((n, f) => n + (statSync(path.join(dataDir, f), { throwIfNoEntry: false })?.size ?? 0), 0);
}

/**
 * Creates the tasks, round-robin over the machines, all at once (as a burst of requests would). The first tasks
 * flood the hub while the last requests wait, so each may take as long as the phase: how long they took is a figure.
 */
async function createTasks(api: HubApi, args: StreamArgs, machines: string[]): Promise<string[]> {
  const prompt = floodPromptFor(args);
  const body = (i: number) => ({ kind: 'run', machine: machines[i % machines.length]!, prompt, timeoutS: args.seconds + args.phaseTimeoutS });
  const created = await Promise.all(Array.from({ length: args.tasks }, (_, i) => api.createTask(body(i), args.phaseTimeoutS * 1000)));
  return created.map((t) => t.id);
}

/** Polls until no task is queued, dispatched or running; resolves with when that was seen, or null at the deadline. */
async function waitAllFinal(api: HubApi, deadline: number, t0: number): Promise<number | null> {
  let lastProgress = Date.now();
  for (;;) {
    let left: number | undefined;
    try {
      left = (await Promise.all(unfinished.map((s) => api.tasksInState(s)))).reduce((n, list) => n + list.length, 0);
    } catch {
      // busy: try again; the deadline decides
    }
    const now = Date.now();
    if (left === 0) return now;
    if (now > deadline) return null;
    if (now - lastProgress >= 2000) {
      lastProgress = now;
      progress(`  ${left ?? '?'} tasks not finished ${((now - t0) / 1000).toFixed(0)} s after creation`);
    }
    await sleep(200);
  }
}

/**
 * Phase A: a hub and real worker processes, each running flood agents as tasks; measures what the hub stores
 * per second, the worker-to-hub latency histogram, hub memory and CPU, and checks every byte arrived.
 */
export async function runPia(args: StreamArgs, cleanup: Cleanup, baseDir: string): Promise<PiaResult> {
  const loadAtStart = loadAverage();
  const dataDir = path.join(baseDir, 'pia-hub');
  mkdirSync(dataDir, { recursive: true });
  const token = randomBytes(24).toString('base64url');
  const nodeArgs = args.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${args.cpuProf}`] : [];
  const hub = await startHub({ dataDir, port: await freePort(), token, timeoutMs: 30_000, cleanup, nodeArgs });
  const api = hubApi(hub.httpUrl, token);
  const errors: string[] = [];
  let workers: WorkerProcs | undefined;
  const hubLog: Record<string, number> = {};
  const workerLog: Record<string, number> = {};
  let measured: Measured;
  try {
    const maxTasks = Math.ceil(args.tasks / args.workers);
    workers = await startWorkers({ count: args.workers, baseDir: path.join(baseDir, 'pia-workers'), linkUrl: hub.linkUrl, api, maxTasks, timeoutMs: 30_000, cleanup });
    progress(`pia: hub and ${args.workers} workers up; creating ${args.tasks} flood tasks of ${args.seconds} s`);
    const w = workers;
    const before = await api.metrics();
    const procs = startSampler(500, () => readProcs(hub.pid, w.pids()));
    const loopDelays: number[] = [];
    const latencies: Measured['latencies'] = [];
    const disk: Measured['disk'] = [];
    const stored = startSampler(500, async () => {
      const text = await api.metrics();
      loopDelays.push(metricValue(text, LOOP_DELAY) ?? NaN);
      const at = Date.now();
      latencies.push({ at, value: histogram(text, LATENCY) });
      const bytes = metricValue(text, BYTES) ?? NaN;
      // The files' sizes right after the counter: the disk taken for the output stored so far.
      disk.push({ at, value: { diskBytes: diskBytes(dataDir), storedBytes: bytes } });
      return bytes;
    });
    const t0 = Date.now();
    const ids = await createTasks(api, args, w.names);
    const createMs = Date.now() - t0;
    progress(`pia: ${ids.length} tasks created in ${createMs} ms`);
    const end = await waitAllFinal(api, t0 + (args.seconds + args.phaseTimeoutS) * 1000, t0);
    const tEnd = end ?? Date.now();
    await Promise.all([procs.stop(), stored.stop()]);
    if (end === null) {
      errors.push(`not every task finished within ${args.seconds + args.phaseTimeoutS} s`);
      // Stop the load so a hub still busy with the backlog can answer the reads below.
      await w.stop(5000);
    }
    const after = await api.metrics();
    const views: TaskView[] = [];
    for (const id of ids) views.push(await api.task(id));
    measured = { t0, tEnd, createMs, before, after, views, diskBytes: diskBytes(dataDir), disk, procs: procs.samples, stored: stored.samples, loopDelays, latencies };
  } finally {
    await workers?.stop(5000);
    await hub.stop(10_000);
    mergeCounts(hubLog, hub.logCounts);
    if (workers) mergeCounts(workerLog, workers.logCounts);
  }
  const result = { ...summarise(args, measured, errors), loadAtStart };
  progress(
    `pia: stored ${(result.storedBytes / 1e6).toFixed(0)} MB in ${result.overallWindowS.toFixed(1)} s = ${result.overallMBps.toFixed(1)} MB/s (steady ${result.steadyMBps.toFixed(1)}); ` +
      `latency p50 ${result.latency.p50Ms.toFixed(1)} ms, p99 ${result.latency.p99Beyond ? '>' : ''}${result.latency.p99Ms.toFixed(1)} ms; backlog drained ${result.drainS.toFixed(1)} s after the agents ended`,
  );

  progress('pia: checking the stored output against what the agents wrote');
  let check;
  try {
    check = verifyStored(dataDir, measured.views, result.storedBytes);
  } catch (err) {
    check = { agentBytes: NaN, storedStdoutBytes: NaN, storedBytes: NaN, agentCpuS: NaN, mismatches: [`could not read the hub database: ${messageOf(err)}`] };
  }
  for (const m of check.mismatches.slice(0, 20)) progress(`  !!! MISMATCH: ${m}`);
  const wholeS = (measured.tEnd - measured.t0) / 1000;
  const agentsPct = (check.agentCpuS / wholeS) * 100;
  const whole = result.cpu.whole;
  return {
    ...result,
    agentBytes: check.agentBytes,
    storedStdoutBytes: check.storedStdoutBytes,
    cpu: { ...result.cpu, agentsPct, otherPct: whole ? whole.machineBusyPct * result.cpu.cores - whole.hubPct - whole.workersPct - agentsPct - whole.benchPct : NaN },
    mismatches: check.mismatches,
    hubLog,
    workerLog,
  };
}
