import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { errorMessage } from '../../common/errors.js';

/** How a process ended. */
export interface ProcessEnd {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** `cancelled` and `timed_out` when we stopped it. */
  reason: 'exited' | 'cancelled' | 'timed_out' | 'spawn_failed';
  error?: string;
}

/** A running process, in its own process group. */
export interface RunningProcess {
  pid: number | undefined;
  done: Promise<ProcessEnd>;
  /** SIGINT to the group, then SIGTERM, then SIGKILL, `graceMs` apart. */
  stop(reason: 'cancelled' | 'timed_out'): void;
  /**
   * Stops reading the process's output for now: its pipes fill and its writes block, as they would on a slow
   * terminal. This is how a hub that cannot keep up slows a task down instead of letting a backlog grow.
   */
  pause(): void;
  resume(): void;
  /** The process's stdin, when the spec asked for one (an agent driven over a protocol). */
  stdin?: { write(text: string): void; end(): void };
}

/** What to run. `argv[0]` is resolved on PATH by the OS; never through a shell. */
export interface ProcessSpec {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  graceMs: number;
  /** Niceness to give the process (0 leaves it at the worker's priority). */
  nice?: number;
  /** Give it a stdin to write to (otherwise it reads nothing). */
  stdin?: boolean;
  onStdout(data: string): void;
  onStderr(data: string): void;
}

/**
 * Gives a new process group a lower CPU priority (raising niceness needs no privilege; what it starts inherits it).
 * On Linux each new session is also its own scheduling "autogroup", which competes with the worker as an equal
 * whatever the process's own niceness; so the group's niceness is raised too, or 100 busy agents would leave the
 * worker (and a hub on the same machine) a hundredth of the CPU.
 */
function lowerPriority(pid: number, nice: number): void {
  try {
    os.setPriority(pid, Math.min(19, os.getPriority() + nice));
  } catch {
    return; // it exited already, or the OS refuses: it runs at normal priority
  }
  if (process.platform !== 'linux') return;
  try {
    // spawn() returns after the child's setsid() and exec, so this is the agent's own group, never the worker's.
    writeFileSync(`/proc/${pid}/autogroup`, String(nice));
  } catch {
    // no autogroups in this kernel, or they are off
  }
}

/**
 * Starts a process as the leader of a new process group, so cancelling reaches everything it started (an agent's
 * own tool processes too). Output is decoded as UTF-8 in order. The time-out runs the same signal ladder as cancel.
 */
export function startProcess(spec: ProcessSpec): RunningProcess {
  let stopReason: 'cancelled' | 'timed_out' | undefined;
  const timers: NodeJS.Timeout[] = [];
  const child = spawn(spec.argv[0]!, spec.argv.slice(1), {
    cwd: spec.cwd,
    env: spec.env,
    detached: true,
    stdio: [spec.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    windowsHide: true,
  }) as ChildProcessByStdio<Writable | null, Readable, Readable>;
  // A write after the process exited fails with EPIPE; its exit is reported by `done`, not by a crash here.
  child.stdin?.on('error', () => undefined);
  if (spec.nice && child.pid !== undefined) lowerPriority(child.pid, spec.nice);
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', spec.onStdout);
  child.stderr.on('data', spec.onStderr);

  function signalGroup(sig: NodeJS.Signals): void {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      // the group is gone already
    }
  }

  function stop(reason: 'cancelled' | 'timed_out'): void {
    if (stopReason) return;
    stopReason = reason;
    signalGroup('SIGINT');
    timers.push(setTimeout(() => signalGroup('SIGTERM'), spec.graceMs));
    timers.push(setTimeout(() => signalGroup('SIGKILL'), spec.graceMs * 2));
  }

  const timeout = setTimeout(() => stop('timed_out'), spec.timeoutMs);

  const done = new Promise<ProcessEnd>((resolve) => {
    let settled = false;
    const finish = (end: ProcessEnd) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      for (const t of timers) clearTimeout(t);
      resolve(end);
    };
    child.once('error', (err) => finish({ exitCode: null, signal: null, reason: 'spawn_failed', error: errorMessage(err) }));
    child.once('exit', (code, signal) => {
      // Wait for the pipes to drain; a grandchild still holding them open is cut off after a moment.
      const cut = setTimeout(() => {
        signalGroup('SIGKILL');
        child.stdout.destroy();
        child.stderr.destroy();
      }, 2000);
      child.once('close', () => {
        clearTimeout(cut);
        finish({ exitCode: code, signal, reason: stopReason ?? 'exited' });
      });
    });
  });

  return {
    pid: child.pid,
    done,
    stop,
    pause() {
      child.stdout.pause();
      child.stderr.pause();
    },
    resume() {
      child.stdout.resume();
      child.stderr.resume();
    },
    ...(child.stdin
      ? {
          stdin: {
            write: (text: string) => void (child.stdin!.writable && child.stdin!.write(text)),
            end: () => void child.stdin!.end(),
          },
        }
      : {}),
  };
}
