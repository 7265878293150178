import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StreamArgs } from './args.js';
import type { Cleanup } from '../fleet/cleanup.js';
import { cpuMeter } from '../fleet/proc-stats.js';
import { round } from '../fleet/stats.js';
import { forkChild, type Child } from './child.js';
import { floodPromptFor, parseFloodSummary } from './flood-spec.js';
import { floodAgentPath } from './pia-workers.js';
import { machineBusyMeter } from './proc.js';
import { mbps, progress } from './progress.js';
import { FromForwarder, FromSink, type SinkCount } from './raw-ipc.js';
import type { RawResult } from './result.js';
import { rateBetween, startSampler } from './sampler.js';

const sinkEntry = fileURLToPath(new URL('./raw-sink.js', import.meta.url));
const forwarderEntry = fileURLToPath(new URL('./raw-forwarder.js', import.meta.url));

type Done = Extract<FromForwarder, { type: 'done' }>;
const isCount = (m: FromSink): m is SinkCount => m.type === 'count';

async function countOf(sink: Child<FromSink>): Promise<SinkCount> {
  sink.send({ type: 'count' });
  return sink.next(isCount, 10_000, 'sink count');
}

/**
 * Phase B: the same agents, in the same shape (one process per worker, one connection each), forwarding to a
 * sink that only counts. The throughput PIA is held against.
 */
export async function runRaw(args: StreamArgs, cleanup: Cleanup): Promise<RawResult> {
  const errors: string[] = [];
  const sink = forkChild(sinkEntry, FromSink, cleanup);
  const forwarders: Child<FromForwarder>[] = [];
  try {
    const { port } = await sink.next((m): m is Extract<FromSink, { type: 'listening' }> => m.type === 'listening', 30_000, 'sink start');
    for (let j = 0; j < args.workers; j++) {
      forwarders.push(forkChild(forwarderEntry, FromForwarder, cleanup, (m) => (m.type === 'error' ? m.message : undefined)));
    }
    await Promise.all(forwarders.map((f) => f.next((m): m is Extract<FromForwarder, { type: 'ready' }> => m.type === 'ready', 30_000, 'forwarder start')));
    progress(`raw: sink and ${args.workers} forwarders up; ${args.tasks} flood agents of ${args.seconds} s`);

    const fwdCpu = cpuMeter(() => forwarders.map((f) => f.pid));
    const sinkCpu = cpuMeter(() => [sink.pid]);
    const busy = machineBusyMeter();
    const benchCpu = cpuMeter(() => [process.pid]);
    const samples = startSampler(500, async () => (await countOf(sink)).bytes);
    const t0 = Date.now();
    const prompt = floodPromptFor(args);
    forwarders.forEach((f, j) => {
      // The same round-robin spread as PIA's tasks over its workers.
      const agents = Math.floor(args.tasks / args.workers) + (j < args.tasks % args.workers ? 1 : 0);
      f.send({ type: 'start', url: `ws://127.0.0.1:${port}`, agents, agentPath: floodAgentPath, prompt });
    });
    const timeoutMs = (args.seconds + args.phaseTimeoutS) * 1000;
    const dones = await Promise.all(forwarders.map((f) => f.next((m): m is Done => m.type === 'done', timeoutMs, 'forwarder')));
    // The steady window is over; stop sampling so the count requests below get their own replies.
    await samples.stop();
    const frameBytes = dones.reduce((n, d) => n + d.frameBytes, 0);
    // Every frame has left its forwarder; wait for the sink to have counted them all.
    let count = await countOf(sink);
    for (const deadline = Date.now() + 30_000; count.bytes < frameBytes && Date.now() < deadline; count = await countOf(sink)) await sleep(20);
    const windowS = (Date.now() - t0) / 1000;
    const cpu = { forwardersPct: fwdCpu.stop(), sinkPct: sinkCpu.stop(), benchPct: benchCpu.stop(), machineBusyPct: busy.stop() };

    const mismatches: string[] = [];
    if (count.bytes !== frameBytes) mismatches.push(`forwarders sent ${frameBytes} frame bytes, the sink received ${count.bytes}`);
    let agentBytes = 0;
    let agentCpuS = 0;
    for (const [j, d] of dones.entries()) {
      d.tails.forEach((tail, k) => {
        const report = parseFloodSummary(tail);
        if (!report) return void mismatches.push(`forwarder ${j} agent ${k}: no summary line (exit code ${d.exitCodes[k]})`);
        agentBytes += report.totalBytes;
        agentCpuS += report.cpuMs / 1000;
      });
      d.exitCodes.forEach((code, k) => code !== 0 && mismatches.push(`forwarder ${j} agent ${k}: exit code ${code}`));
    }
    const dataBytes = dones.reduce((n, d) => n + d.dataBytes, 0);
    if (dataBytes !== agentBytes) mismatches.push(`agents wrote ${agentBytes} bytes, forwarders read ${dataBytes}`);
    errors.push(...sink.complaints, ...forwarders.flatMap((f) => f.complaints));

    const agentsPct = (agentCpuS / windowS) * 100;
    const firstStart = Math.min(...dones.map((d) => d.startedAt));
    const overallS = (count.lastAt - firstStart) / 1000;
    const warm = Math.min(2000, args.seconds * 200);
    let steady = rateBetween(samples.samples, firstStart + warm, firstStart + args.seconds * 1000);
    if (!(steady.seconds >= 1)) steady = rateBetween(samples.samples, firstStart, firstStart + args.seconds * 1000);
    const result: RawResult = {
      forwarders: args.workers,
      agents: args.tasks,
      seconds: args.seconds,
      bytes: count.bytes,
      dataBytes,
      agentBytes,
      // Agent bytes, as PIA counts what it stores: the frames also carry JSON escapes (one per line break) and framing.
      overallMBps: mbps(dataBytes, overallS),
      overallWindowS: overallS,
      steadyMBps: (steady.perS * (frameBytes ? dataBytes / frameBytes : 1)) / 1e6,
      steadyWindowS: steady.seconds,
      receivedSeries: samples.samples.map((x) => [round((x.at - t0) / 1000, 1), round(x.value / 1e6, 1)]),
      cpu: { ...cpu, agentsPct, otherPct: cpu.machineBusyPct * os.availableParallelism() - cpu.forwardersPct - cpu.sinkPct - cpu.benchPct - agentsPct },
      mismatches,
      errors,
    };
    progress(`raw: forwarded ${(dataBytes / 1e6).toFixed(0)} MB of agent output in ${overallS.toFixed(1)} s = ${result.overallMBps.toFixed(1)} MB/s (steady ${result.steadyMBps.toFixed(1)})`);
    for (const m of mismatches.slice(0, 20)) progress(`  !!! MISMATCH: ${m}`);
    return result;
  } finally {
    for (const f of forwarders) f.kill();
    sink.kill();
  }
}
