import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { killQuietly, type Cleanup } from './cleanup.js';
import { FromChild, type SimWorker, type ToChild } from './ipc.js';
import { withTimeout } from './with-timeout.js';

const childEntry = fileURLToPath(new URL('./sim-workers.js', import.meta.url));

/** The simulated fleet: several processes, each holding many worker links. */
export interface SimFleet {
  pids(): number[];
  /** Sends every process its workers at once; resolves with the moment it did (performance.now()). */
  start(linkUrl: string): number;
  /** The processes' own sum of linked workers and of refused ones (from their last status reports). */
  reported(): { linked: number; refused: number };
  /** Asks every process to close its links, then kills what is left after `graceMs`. */
  stop(graceMs: number): Promise<void>;
}

interface Child {
  proc: ChildProcess;
  workers: SimWorker[];
  offset: number;
  linked: number;
  refused: number;
}

/**
 * Forks ceil(workers / perProcess) processes and waits until each has loaded and said ready, so the measured
 * registration time is the hub's, not Node's start-up.
 */
export async function forkFleet(
  workers: SimWorker[],
  opts: {
    perProcess: number;
    timeoutMs: number;
    cleanup: Cleanup;
    /** Scheduling niceness of the worker processes: they stand for other machines, so they may yield to the hub. */
    nice?: number;
  },
): Promise<SimFleet> {
  const children: Child[] = [];
  const ready: Promise<void>[] = [];
  for (let offset = 0; offset < workers.length; offset += opts.perProcess) {
    const proc = fork(childEntry, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
    if (opts.nice !== undefined && proc.pid !== undefined) os.setPriority(proc.pid, opts.nice);
    const child: Child = { proc, workers: workers.slice(offset, offset + opts.perProcess), offset, linked: 0, refused: 0 };
    children.push(child);
    const forget = opts.cleanup.add(() => killQuietly(proc.pid));
    proc.once('exit', () => forget());
    ready.push(
      new Promise<void>((resolve, reject) => {
        proc.once('exit', (code) => reject(new Error(`simulated-worker process exited with code ${code} before it was ready`)));
        proc.on('message', (raw: unknown) => {
          const parsed = FromChild.safeParse(raw);
          if (!parsed.success) return;
          const msg = parsed.data;
          if (msg.type === 'ready') resolve();
          else if (msg.type === 'status') {
            child.linked = msg.linked;
            child.refused = msg.refused;
          } else if (msg.type === 'error') process.stderr.write(`simulated workers: ${msg.message}\n`);
        });
      }),
    );
  }
  await withTimeout(Promise.all(ready), opts.timeoutMs, `simulated-worker processes not ready within ${opts.timeoutMs} ms`);

  const send = (c: Child, msg: ToChild) => {
    if (c.proc.connected) c.proc.send(msg);
  };
  return {
    pids: () => children.flatMap((c) => (c.proc.pid === undefined ? [] : [c.proc.pid])),
    start(linkUrl) {
      const t0 = performance.now();
      for (const c of children) send(c, { type: 'start', url: linkUrl, offset: c.offset, workers: c.workers });
      return t0;
    },
    reported: () => ({
      linked: children.reduce((n, c) => n + c.linked, 0),
      refused: children.reduce((n, c) => n + c.refused, 0),
    }),
    async stop(graceMs) {
      const exits = children.map((c) =>
        c.proc.exitCode !== null || c.proc.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => c.proc.once('exit', () => r())),
      );
      for (const c of children) send(c, { type: 'stop' });
      await Promise.race([Promise.all(exits), sleep(graceMs)]);
      for (const c of children) killQuietly(c.proc.pid);
      await Promise.all(exits);
    },
  };
}
