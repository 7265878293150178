import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Logger } from '../../src/common/logger.js';
import { startBenchHub } from '../chat/hub.js';
import type { Cleanup } from '../fleet/cleanup.js';
import { withTimeout } from '../fleet/with-timeout.js';
import { hubApi } from '../stream/hub-api.js';
import type { ApprovalArgs } from './args.js';
import { answerClient } from './answer-client.js';
import { benchPort } from './bench-port.js';
import { progress } from './progress.js';
import type { PhaseResult } from './result.js';
import { readStamps } from './stamps.js';
import { startWorkerProcess, type WorkerProcess } from './worker-processes.js';

interface Seen {
  visibleAt: number;
  sentAt: number;
  respondedAt?: number;
  key?: string;
}

/**
 * Through PIA: the hub in this process, `workers` worker processes, `tasks` tasks started from a chat (so the
 * reporter shows each approval in its task's thread), every approval answered through the HTTP API the moment it
 * appears in the thread. Request -> visible: the stand-in's clock when it asked, to the thread's post. Answer ->
 * unblocked: the API call sent, to the stand-in's clock when the answer reached it.
 */
export async function runPiaPhase(args: ApprovalArgs, dir: string, log: Logger, cleanup: Cleanup): Promise<PhaseResult> {
  const hub = await startBenchHub({ dataDir: path.join(dir, 'hub'), env: { PIA_OPERATORS: 'bench:ops' }, log });
  cleanup.add(() => void hub.pia.stop());
  const api = hubApi(hub.httpUrl, hub.token);
  const workers: WorkerProcess[] = [];
  const problems: string[] = [];
  const seen = new Map<string, Seen>();
  try {
    const names = Array.from({ length: args.workers }, (_, i) => `w${String(i + 1).padStart(2, '0')}`);
    const online = new Set<string>();
    const allOnline = new Promise<void>((resolve) => {
      const off = hub.pia.events.on('machine.online', (e) => {
        online.add(e.machine);
        if (online.size < names.length) return;
        off();
        resolve();
      });
    });
    for (const name of names) {
      const joinToken = await api.addMachine(name);
      workers.push(startWorkerProcess({ name, joinToken, linkUrl: hub.linkUrl, dir: path.join(dir, name), maxTasks: Math.ceil(args.tasks / args.workers), cleanup }));
    }
    await withTimeout(allOnline, 60_000, `not every worker linked within 60 s (${online.size} of ${names.length})`);
    progress(`pia: ${names.length} workers linked; starting ${args.tasks} tasks, ${args.asks} prompts each`);

    const answers = answerClient(hub.httpUrl, hub.token);
    cleanup.add(() => answers.close());
    const port = benchPort((code, visibleAt) => {
      const s: Seen = { visibleAt, sentAt: Date.now() };
      seen.set(code, s);
      answers
        .allow(code)
        .then((a) => {
          s.respondedAt = Date.now();
          s.key = `${a.taskId}:${/file-(\d+)/.exec(a.summary)?.[1]}`;
        })
        .catch((err: unknown) => problems.length < 10 && problems.push(`answer ${code}: ${String(err).slice(0, 200)}`));
    });
    const taskIds = new Set<string>();
    let finished = 0;
    let failedTasks = 0;
    let onAllDone: () => void = () => undefined;
    const allDone = new Promise<void>((resolve) => (onAllDone = resolve));
    hub.pia.events.on('task.finished', ({ task }) => {
      if (!taskIds.has(task.id)) return;
      finished++;
      if (task.state !== 'succeeded') failedTasks++;
      if (finished === args.tasks) onAllDone();
    });
    hub.pia.events.on('task.created', ({ task }) => void taskIds.add(task.id));
    const started = Date.now();
    // How busy the hub's process was: its CPU time, and how late its event loop ran (the bench's own client included).
    const cpu0 = process.cpuUsage();
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    for (let i = 0; i < args.tasks; i++) {
      await hub.pia.chat.handle({ actor: 'bench:ops', text: `run ${names[i % names.length]} asks=${args.asks}`, where: { channel: `C${i}` }, isReply: false }, port);
    }
    await withTimeout(allDone, args.phaseTimeoutS * 1000, `${finished} of ${args.tasks} tasks finished within ${args.phaseTimeoutS} s`);
    const wallS = (Date.now() - started) / 1000;
    lag.disable();
    const cpu = process.cpuUsage(cpu0);
    const hubLoad = { cpuS: (cpu.user + cpu.system) / 1e6, loopLagP99Ms: lag.percentile(99) / 1e6, loopLagMaxMs: lag.max / 1e6 };

    const byKey = new Map([...seen.values()].filter((s) => s.key).map((s) => [s.key!, s]));
    const visibleMs: number[] = [];
    const unblockedMs: number[] = [];
    const apiMs: number[] = [];
    let answered = 0;
    let answeredTwice = 0;
    for (const id of taskIds) {
      const output = await outputOf(hub.httpUrl, hub.token, id);
      const { stamps, duplicates } = readStamps(output);
      answeredTwice += duplicates;
      for (const s of stamps) {
        if (s.behavior !== 'allow') continue;
        answered++;
        const at = byKey.get(`${id}:${s.n}`);
        if (!at) continue;
        visibleMs.push(at.visibleAt - s.asked);
        unblockedMs.push(s.answered - at.sentAt);
        if (at.respondedAt !== undefined) apiMs.push(at.respondedAt - at.sentAt);
      }
    }
    const asked = args.tasks * args.asks;
    return { asked, answered, lost: asked - answered, answeredTwice, visibleMs, unblockedMs, apiMs, hub: hubLoad, wallS, failedTasks, problems };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await hub.pia.stop();
  }
}

/** A task's stdout, every page of it. */
async function outputOf(httpUrl: string, token: string, taskId: string): Promise<string> {
  let text = '';
  for (let from = 1; ; ) {
    const res = await fetch(`${httpUrl}/api/tasks/${taskId}/output?from=${from}&limit=10000`, { headers: { authorization: `Bearer ${token}` } });
    const page = (await res.json()) as { chunks: Array<{ stream: string; data: string }>; nextSeq: number };
    if (page.chunks.length === 0) return text;
    for (const c of page.chunks) if (c.stream === 'stdout') text += c.data;
    from = page.nextSeq;
  }
}
