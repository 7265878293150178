import type { Logger } from '../../common/logger.js';
import type { TaskSpec } from '../../protocol/tasks.js';
import type { EventBus } from '../events.js';
import type { Hello, LinkServer } from '../link/link-server.js';
import type { Link } from '../link/link.js';
import type { MachineStore } from '../registry/machines.js';
import type { OutputWriter } from './output-writer.js';
import type { Task } from './task.js';
import type { TaskStore } from './task-store.js';

/** Hands queued tasks to linked workers, in order, within each worker's limit. */
export interface Dispatcher {
  /** Dispatches what a machine's queue and capacity allow now. */
  pump(machineId: number): void;
  /** The spec a worker receives for a task. */
  specOf(task: Task): TaskSpec;
  /** Fails queued tasks that waited past their expiry. */
  expire(): void;
  close(): void;
}

/**
 * Creates the dispatcher. When a worker links it reconciles the hub's view with the worker's ledger, so after a
 * hub restart or a cut link nothing is lost and nothing runs twice: a task the hub dispatched but the worker never
 * received goes back to the queue; a task the hub thinks is running but the worker does not know was lost with a
 * worker restart; a task the worker runs but the hub does not know is cancelled.
 */
export function createDispatcher(deps: {
  tasks: TaskStore;
  machines: MachineStore;
  links: LinkServer;
  output: OutputWriter;
  bus: EventBus;
  log: Logger;
  hubUrl: () => string;
  expirySweepMs?: number;
  /** The clock queue-expiry deadlines were set by (a steady clock: a wall-clock step expires nothing early). */
  deadlineNow?: () => Date;
}): Dispatcher {
  const { tasks, links, bus, log } = deps;

  function specOf(t: Task): TaskSpec {
    return {
      id: t.id,
      kind: t.kind,
      machine: t.machine,
      ...(t.prompt !== null ? { prompt: t.prompt } : {}),
      ...(t.agent !== null ? { agent: t.agent } : {}),
      ...(t.argv !== null ? { argv: t.argv } : {}),
      ...(t.repo ? { repo: { url: t.repo.url, ...(t.repo.ref ? { ref: t.repo.ref } : {}) } } : {}),
      ...(t.workspace !== null ? { workspace: t.workspace } : {}),
      ...(t.resumeSession !== null ? { resumeSession: t.resumeSession } : {}),
      ...(t.mode !== null ? { mode: t.mode } : {}),
      ...(t.push ? { push: true } : {}),
      ...(t.worktreeOf !== null ? { worktreeOf: t.worktreeOf } : {}),
      requester: t.requester,
      origin: t.origin,
      timeoutS: t.timeoutS,
      hub: deps.hubUrl(),
    };
  }

  function pump(machineId: number): void {
    const link = links.get(machineId);
    if (!link) return;
    let free = link.maxTasks - tasks.active(machineId).length;
    if (free <= 0) return;
    for (const task of tasks.queued(machineId)) {
      if (free-- <= 0) break;
      if (!tasks.markDispatched(task.id)) continue;
      link.send({ type: 'task.assign', task: specOf(task) });
      bus.emit('task.dispatched', { taskId: task.id, machine: task.machine });
    }
  }

  function reconcile(link: Link, hello: Hello): void {
    const known = new Map(hello.ledger.map((e) => [e.taskId, e.state]));
    for (const task of tasks.active(link.machineId)) {
      const inLedger = known.get(task.id);
      if (inLedger === undefined) {
        if (task.state === 'dispatched') {
          tasks.requeue(task.id);
          log.info({ taskId: task.id, machine: task.machine }, 'task never reached its worker; queued again');
        } else {
          deps.output.flush();
          if (tasks.finish(task.id, { state: 'lost', exitCode: null, error: `${task.machine}'s worker restarted and no longer knows this task` })) {
            deps.output.forget(task.id);
            bus.emit('task.finished', { task: tasks.get(task.id)! });
          }
        }
      } else if (task.cancelRequestedBy) {
        // A cancel asked for while the machine was away.
        link.send({ type: 'task.cancel', taskId: task.id, by: task.cancelRequestedBy });
      }
    }
    for (const [taskId, state] of known) {
      const task = tasks.get(taskId);
      if (!task && state === 'running') {
        log.warn({ taskId, machine: link.machine }, 'worker runs a task this hub does not know; cancelling it');
        link.send({ type: 'task.cancel', taskId, by: 'hub' });
      } else if (!task) {
        link.send({ type: 'task.recorded', taskId });
      }
    }
    pump(link.machineId);
  }

  links.onLinked(reconcile);

  const sweeper = setInterval(expire, deps.expirySweepMs ?? 30_000);
  sweeper.unref();

  function expire(): void {
    for (const task of tasks.expired(deps.deadlineNow?.())) {
      const waited = Math.round((Date.now() - Date.parse(task.createdAt)) / 3600_000);
      if (tasks.finish(task.id, { state: 'failed', exitCode: null, error: `expired after waiting ${waited} h for ${task.machine} to come online` })) {
        bus.emit('task.finished', { task: tasks.get(task.id)! });
      }
    }
  }

  return { pump, specOf, expire, close: () => clearInterval(sweeper) };
}
