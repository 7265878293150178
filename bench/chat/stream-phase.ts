import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../src/common/logger.js';
import type { ThreadRef } from '../../src/bot/port.js';
import type { Pia } from '../../src/app/create-pia.js';
import { createReporter, type Reporter } from '../../src/bot/reporter/reporter.js';
import type { Task } from '../../src/hub/tasks/task.js';
import type { Worker } from '../../src/worker/worker.js';
import type { ChatArgs } from './args.js';
import { chattyPrompt } from './chatty-spec.js';
import { discordRules } from './discord-rules.js';
import { startBenchHub, type BenchHub } from './hub.js';
import { createLimitedPort, type PortStats } from './limited-port.js';
import { startNaiveReporter, type NaiveReporter } from './naive-reporter.js';
import { messageOf, progress } from './progress.js';
import type { NaiveOnPlatform, ReporterOnPlatform, StreamResult } from './result.js';
import { slackRules } from './slack-rules.js';
import { startBenchWorker, WORKER_NAME } from './worker.js';

/** Creates a task through the hub's HTTP API. */
async function startTask(hub: BenchHub, body: object): Promise<Task> {
  const res = await fetch(`${hub.httpUrl}/api/tasks`, { method: 'POST', headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`POST /api/tasks: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { tasks: Task[] }).tasks[0]!;
}

/** A reporter over the hub's events, knowing the one task it follows. */
function benchReporter(pia: Pia, log: Logger, task: Task): Reporter {
  let current = task;
  pia.events.on('task.started', (e) => e.taskId === task.id && (current = { ...current, state: 'running', startedAt: new Date().toISOString() }));
  pia.events.on('task.finished', (e) => e.task.id === task.id && (current = e.task));
  return createReporter({ bus: pia.events, log, getTask: (id) => (id === task.id ? current : undefined), fullLog: () => '' });
}

/** Threads as the adapters would name them: a Slack parent ts; a Discord thread (its own channel id). */
const THREADS: Record<string, ThreadRef> = {
  slack: { channel: 'C0BENCH01', thread: '1700000000.000100' },
  discord: { channel: '900000000000000001', thread: '900000000000000002' },
};
/** The naive baseline writes to other threads through other port instances: its budget is not the reporter's. */
const NAIVE_THREADS: Record<string, ThreadRef> = {
  slack: { channel: 'C0BENCH02', thread: '1700000000.000200' },
  discord: { channel: '900000000000000003', thread: '900000000000000004' },
};

/** The compiled agent next to this file (dist/bench/chat/chatty-agent.js). */
function agentPath(): string {
  const file = fileURLToPath(new URL('./chatty-agent.js', import.meta.url));
  if (!existsSync(file)) throw new Error(`${file} is missing: run the benchmark with npm run bench:chat (it builds first)`);
  return file;
}

/** The reporter's figures on one platform, with times counted from the task's end. */
function reporterFigures(stats: PortStats, finishedAt: number): ReporterOnPlatform {
  const after = stats.accepted.filter((a) => a.at >= finishedAt);
  const result = after.find((a) => a.kind === 'post');
  const lastEdit = after.filter((a) => a.kind === 'update').at(-1);
  const attach = after.find((a) => a.kind === 'attach');
  const c = stats.calls;
  return {
    platform: stats.platform,
    calls: c,
    requests: stats.requests,
    rateLimited: c.post.limited + c.update.limited + c.attach.limited,
    refused: c.post.refused + c.update.refused + c.attach.refused,
    refusals: stats.refusals,
    resultMs: result ? result.at - finishedAt : null,
    resultLine: result?.text ?? null,
    finalEditMs: lastEdit ? lastEdit.at - finishedAt : null,
    attachMs: attach ? attach.at - finishedAt : null,
    attachedBytes: stats.attachedBytes,
    attachCut: stats.attachCut,
  };
}

function naiveFigures(naive: NaiveReporter, stats: PortStats[], finishedAt: number, startedAt: number): NaiveOnPlatform[] {
  return naive.lanes.map((lane, i) => {
    const c = stats[i]!.calls.post;
    const end = lane.doneAt ?? performance.now();
    return {
      platform: lane.platform,
      requests: stats[i]!.requests,
      rateLimited: c.limited,
      refused: c.refused,
      lines: naive.lines(),
      delivered: lane.delivered,
      doneMs: lane.doneAt === null ? null : lane.doneAt - finishedAt,
      behind: naive.lines() - lane.delivered - lane.failed,
      linesPerS: lane.delivered / ((end - startedAt) / 1000),
    };
  });
}

/** Waits until `ready()` holds, checking every 20 ms; false at the deadline. */
async function until(ready: () => boolean, deadline: number): Promise<boolean> {
  while (!ready()) {
    if (performance.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/**
 * Phase 1 and 2: one chatty task on a real worker, followed by PIA's reporter on a Slack-limited and a
 * Discord-limited port at once, while the naive baseline posts every line to two other such ports.
 */
export async function runStreamPhase(args: ChatArgs, dir: string, log: Logger): Promise<StreamResult> {
  const agent = agentPath();
  const errors: string[] = [];
  let bench: BenchHub | undefined;
  let worker: Worker | undefined;
  let naive: NaiveReporter | undefined;
  let reporter: Reporter | undefined;
  try {
    bench = await startBenchHub({ dataDir: path.join(dir, 'stream-hub'), log });
    const { pia } = bench;
    worker = await startBenchWorker({ hub: bench, dir, agentArgv: [process.execPath, agent], log, timeoutMs: 30_000 });
    progress(`stream: hub and worker up; a task writing ${(args.bytes / 1e6).toFixed(1)} MB over ${args.seconds} s`);

    const t0 = performance.now();
    const ports = { slack: createLimitedPort(slackRules(t0), { record: true }), discord: createLimitedPort(discordRules(), { record: true }) };
    const naivePorts = [createLimitedPort(slackRules(t0), { record: false }), createLimitedPort(discordRules(), { record: false })];

    let finished: Task | undefined;
    let finishedAt = NaN;
    let startedAt = NaN;
    let outputBytes = 0;
    let taskId = '';
    const offs = [
      pia.events.on('task.started', (e) => e.taskId === taskId && (startedAt = performance.now())),
      pia.events.on('task.output', (e) => {
        if (e.taskId === taskId && e.stream !== 'event') outputBytes += Buffer.byteLength(e.data);
      }),
      // Registered after the reporter's own listener (made with the hub), so this runs right after it, in the same emit.
      pia.events.on('task.finished', ({ task }) => {
        if (task.id !== taskId) return;
        finishedAt = performance.now();
        finished = task;
      }),
    ];

    const cpu0 = process.cpuUsage();
    // The task, started through the API; a reporter like the hub's (same code, its own instance) follows it in a
    // Slack and a Discord thread through the limited ports, beside the naive baseline.
    const task = await startTask(bench, {
      kind: 'run',
      machine: WORKER_NAME,
      prompt: chattyPrompt({ bytes: args.bytes, seconds: args.seconds, lineBytes: args.lineBytes }),
      timeoutS: args.seconds + args.phaseTimeoutS,
      origin: { kind: 'bench' },
    });
    taskId = task.id;
    reporter = benchReporter(pia, log, task);
    reporter.watchTasks(ports.slack.port, THREADS.slack!, [task]);
    reporter.watchTasks(ports.discord.port, THREADS.discord!, [task]);
    naive = startNaiveReporter({ bus: pia.events, taskId, targets: naivePorts.map((p) => ({ port: p.port, thread: NAIVE_THREADS[p.port.platform]! })) });

    let lastReport = performance.now();
    const runDeadline = t0 + (args.seconds + args.phaseTimeoutS) * 1000;
    while (!finished && performance.now() < runDeadline) {
      await sleep(200);
      if (performance.now() - lastReport >= 10_000) {
        lastReport = performance.now();
        const n = naive;
        progress(
          `  ${((lastReport - t0) / 1000).toFixed(0)} s: ${(outputBytes / 1e6).toFixed(1)} MB out; reporter edits slack ${ports.slack.stats.calls.update.ok}, discord ${ports.discord.stats.calls.update.ok}; ` +
            `naive posted ${n.lanes.map((l) => `${l.platform} ${l.delivered}`).join(', ')} of ${n.lines()} lines`,
        );
      }
    }
    const cpuUsed = process.cpuUsage(cpu0);
    const cpuPct = ((cpuUsed.user + cpuUsed.system) / 1000 / (performance.now() - t0)) * 100;
    const end = finished as Task | undefined;
    if (!end) throw new Error(`the task did not finish within ${args.seconds + args.phaseTimeoutS} s`);
    progress(`stream: task ${end.state} after ${((finishedAt - startedAt) / 1000).toFixed(1)} s, ${(outputBytes / 1e6).toFixed(2)} MB of output`);

    // The reporter's last words on both platforms: the result message, then the full log as a file.
    const allDone = () => [ports.slack.stats, ports.discord.stats].every((s) => s.accepted.some((a) => a.kind === 'attach' && a.at >= finishedAt));
    if (!(await until(allDone, performance.now() + args.phaseTimeoutS * 1000))) errors.push(`the reporter had not attached the log on both platforms ${args.phaseTimeoutS} s after the task ended`);

    progress(`stream: giving the naive baseline up to ${args.naiveLimitS} s after the task's end`);
    const naiveLeft = finishedAt + args.naiveLimitS * 1000 - performance.now();
    await Promise.race([naive.done, sleep(Math.max(0, naiveLeft))]);
    naive.stop();
    for (const off of offs) off();

    return {
      taskId,
      state: end.state,
      taskS: (finishedAt - startedAt) / 1000,
      outputBytes,
      outputLines: naive.lines(),
      reporter: [reporterFigures(ports.slack.stats, finishedAt), reporterFigures(ports.discord.stats, finishedAt)],
      naive: naiveFigures(naive, naivePorts.map((p) => p.stats), finishedAt, startedAt),
      naiveLimitS: args.naiveLimitS,
      cpuPct,
      errors,
    };
  } finally {
    naive?.stop();
    reporter?.close();
    await worker?.stop().catch((err: unknown) => progress(`stream: worker stop failed: ${messageOf(err)}`));
    await bench?.pia.stop().catch((err: unknown) => progress(`stream: hub stop failed: ${messageOf(err)}`));
  }
}
