import type { Logger } from '../../common/logger.js';
import type { TaskOutcome } from '../../protocol/tasks.js';
import type { EventBus } from '../events.js';
import type { Link } from '../link/link.js';
import type { WorkerMessageHandlers } from '../link/worker-messages.js';
import type { Dispatcher } from './dispatcher.js';
import type { OutputWriter } from './output-writer.js';
import type { TaskStore } from './task-store.js';

/** The workers' task messages, as the hub's link routing hands them over. */
export type TaskMessages = WorkerMessageHandlers['tasks'];

/**
 * Handles the workers' task messages: started, output (to the batched writer), finished. A finish is recorded only
 * when every chunk up to its `lastSeq` is stored; then the worker is told it may forget the task.
 */
export function createTaskMessages(deps: {
  tasks: TaskStore;
  output: OutputWriter;
  dispatcher: Dispatcher;
  bus: EventBus;
  log: Logger;
}): TaskMessages {
  const { tasks, output, bus, log } = deps;

  /** Only the machine a task was given to may report on it. */
  function owned(machine: string, taskId: string) {
    const task = tasks.get(taskId);
    if (!task || task.machine !== machine) {
      log.warn({ machine, taskId }, 'report about a task this machine does not own; ignored');
      return undefined;
    }
    return task;
  }

  function started(link: Link, msg: { taskId: string; workspace: string; at: number }): void {
    if (!owned(link.machine, msg.taskId)) return;
    if (tasks.markRunning(msg.taskId, msg.workspace, msg.at)) {
      bus.emit('task.started', { taskId: msg.taskId, machine: link.machine, workspace: msg.workspace });
    }
  }

  function finished(link: Link, outcome: TaskOutcome): void {
    const task = owned(link.machine, outcome.taskId);
    if (!task) {
      link.send({ type: 'task.recorded', taskId: outcome.taskId });
      return;
    }
    output.flush();
    const stored = output.storedSeq(outcome.taskId);
    if (stored < outcome.lastSeq) {
      // Chunks are still missing (a replay is under way); the worker reports the outcome again after it.
      log.warn({ taskId: outcome.taskId, stored, lastSeq: outcome.lastSeq }, 'finish before all output; waiting');
      return;
    }
    const recorded = tasks.finish(
      outcome.taskId,
      {
        state: outcome.state,
        exitCode: outcome.exitCode,
        error: outcome.error ?? null,
        sessionId: outcome.sessionId ?? null,
        summary: outcome.summary ?? null,
        costUsd: outcome.costUsd ?? null,
        cancelledBy: outcome.cancelledBy ?? null,
      },
      new Date(outcome.finishedAt),
    );
    link.send({ type: 'task.recorded', taskId: outcome.taskId });
    if (recorded) {
      output.forget(outcome.taskId);
      bus.emit('task.finished', { task: tasks.get(outcome.taskId)! });
      deps.dispatcher.pump(link.machineId);
    }
  }

  return { started, output: (link, chunk) => output.accept(link.machineId, link.machine, chunk), finished };
}
