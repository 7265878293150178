import { fork, type ChildProcess } from 'node:child_process';
import type { z } from 'zod';
import type { Cleanup } from '../fleet/cleanup.js';
import { killTree } from './proc.js';

/** A forked helper process that speaks parsed IPC messages. */
export interface Child<M> {
  readonly pid: number;
  send(message: unknown): void;
  /**
   * The next message (already received or still to come) that `match` accepts; it is consumed. Rejects when the
   * process exits first or after `timeoutMs`, with `what` in the message.
   */
  next<T extends M>(match: (m: M) => m is T, timeoutMs: number, what: string): Promise<T>;
  /** Messages the schema refused and error reports, for the failure report. */
  readonly complaints: string[];
  /** Kills the process and whatever it started. */
  kill(): void;
}

/**
 * Forks `entry` (a compiled module of this benchmark) with a JSON IPC channel, and registers it for cleanup.
 * `isError` picks the child's own error reports out of its messages.
 */
export function forkChild<S extends z.ZodType>(entry: string, schema: S, cleanup: Cleanup, isError?: (m: z.infer<S>) => string | undefined): Child<z.infer<S>> {
  type M = z.infer<S>;
  const proc: ChildProcess = fork(entry, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
  if (proc.pid === undefined) throw new Error(`could not start ${entry}`);
  const pid = proc.pid;
  const forget = cleanup.add(() => killTree(pid));
  const inbox: M[] = [];
  const waiters = new Set<() => void>();
  const complaints: string[] = [];
  let exited: string | undefined;
  proc.on('message', (raw: unknown) => {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) return void complaints.push(`bad IPC message: ${parsed.error.message.slice(0, 200)}`);
    const error = isError?.(parsed.data);
    if (error !== undefined) complaints.push(error);
    inbox.push(parsed.data);
    for (const w of [...waiters]) w();
  });
  proc.once('exit', (code, signal) => {
    exited = `exited (code ${code}, signal ${signal})`;
    for (const w of [...waiters]) w();
    forget();
  });

  return {
    pid,
    complaints,
    send(message) {
      if (proc.connected) proc.send(message as object);
    },
    next<T extends M>(match: (m: M) => m is T, timeoutMs: number, what: string) {
      return new Promise<T>((resolve, reject) => {
        const check = () => {
          const i = inbox.findIndex(match);
          if (i >= 0) {
            done();
            resolve(inbox.splice(i, 1)[0] as T);
          } else if (exited) {
            done();
            reject(new Error(`${what}: the process ${exited}${complaints.length ? `; it said: ${complaints.slice(-3).join(' | ')}` : ''}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${what}: no answer within ${timeoutMs} ms${complaints.length ? `; it said: ${complaints.slice(-3).join(' | ')}` : ''}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    kill: () => killTree(pid),
  };
}
