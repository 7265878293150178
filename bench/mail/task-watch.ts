import { openEvents, type ObservedEvent } from '../../src/cli/events-socket.js';
import { withTimeout } from '../fleet/with-timeout.js';
import { tokenIn } from './bench-mail.js';

/** When this process saw each step of a benchmark task on the hub's observers' socket (performance.now()). */
export interface TaskTimes {
  taskId: string;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  finalState?: string;
}

/** Task events by token, as they arrive; `waitFor` resolves once a token's task has reached a step. */
export interface TaskWatch {
  times: Map<string, TaskTimes>;
  /** Tasks created per token (more than one would be a mail acted on twice). */
  created: Map<string, number>;
  waitFor(token: string, step: 'createdAt' | 'startedAt' | 'finishedAt', timeoutMs: number): Promise<TaskTimes>;
  close(): void;
}

/**
 * Follows the hub's observers' socket (`/api/events`, as `pia` on the command line does): `task.created` names the
 * task of a token (the token is in its prompt), `task.started` is the task reaching state running on its worker.
 * The clock is this process's, read as each event arrives.
 */
export async function watchTasks(httpUrl: string, token: string): Promise<TaskWatch> {
  const times = new Map<string, TaskTimes>();
  const created = new Map<string, number>();
  const byTask = new Map<string, string>();
  const waiters = new Set<() => void>();

  const onEvent = (e: ObservedEvent) => {
    const at = performance.now();
    const data = e.data;
    if (e.event === 'task.created') {
      const task = data.task as { id: string; prompt: string | null };
      const t = tokenIn(task.prompt);
      if (!t) return;
      created.set(t, (created.get(t) ?? 0) + 1);
      byTask.set(task.id, t);
      if (!times.has(t)) times.set(t, { taskId: task.id, createdAt: at });
    } else if (e.event === 'task.started' || e.event === 'task.finished') {
      const id = e.event === 'task.started' ? (data.taskId as string) : (data.task as { id: string }).id;
      const t = byTask.get(id);
      const entry = t === undefined ? undefined : times.get(t);
      if (!entry || entry.taskId !== id) return;
      if (e.event === 'task.started') entry.startedAt ??= at;
      else {
        entry.finishedAt ??= at;
        entry.finalState = (data.task as { state: string }).state;
      }
    } else return;
    for (const wake of [...waiters]) wake();
  };
  const socket = await openEvents({ url: httpUrl, token }, onEvent);

  return {
    times,
    created,
    waitFor(t, step, timeoutMs) {
      let check = () => {};
      const reached = new Promise<TaskTimes>((resolve) => {
        check = () => {
          const entry = times.get(t);
          if (entry?.[step] !== undefined) resolve(entry);
        };
      });
      waiters.add(check);
      check();
      return withTimeout(reached, timeoutMs, `no ${step.replace('At', '')} event for ${t} within ${timeoutMs} ms`).finally(() => waiters.delete(check));
    },
    close: () => socket.close(),
  };
}
