import type { Logger } from '../../common/logger.js';
import { CloseCode } from '../../protocol/close-codes.js';
import type { TaskOutcome } from '../../protocol/tasks.js';
import type { EventBus } from '../events.js';
import type { Link } from '../link/link.js';
import { createLogBudget } from '../link/log-budget.js';
import type { RefusedType, WorkerMessageHandlers } from '../link/worker-messages.js';
import type { Dispatcher } from './dispatcher.js';
import type { OutputWriter } from './output-writer.js';
import type { TaskStore } from './task-store.js';

/** The workers' task messages, as the hub's link routing hands them over. */
export type TaskMessages = WorkerMessageHandlers['tasks'];

/**
 * Handles the workers' task messages: started, output (to the batched writer), finished. A machine may report only
 * on tasks given to it, and write output only while they run; anything else is refused (counted, logged within a
 * rate budget) and changes nothing. A finish is recorded only when every chunk up to its `lastSeq` is stored;
 * then the worker is told it may forget the task.
 */
export function createTaskMessages(deps: {
  tasks: TaskStore;
  output: OutputWriter;
  dispatcher: Dispatcher;
  bus: EventBus;
  log: Logger;
  /** A message a machine may not act on: counted and logged at a bounded rate (the link server's). */
  refused(link: Link, type: RefusedType, reason: string, detail?: Record<string, unknown>): void;
}): TaskMessages {
  const { tasks, output, bus } = deps;
  // A worker may repeat a finish as often as it likes: the warning about it stays within a budget.
  const warn = createLogBudget(deps.log);

  /** Only the machine a task was given to may report on it. */
  function owned(link: Link, type: 'task.started' | 'task.finished', taskId: string) {
    const task = tasks.get(taskId);
    if (!task || task.machine !== link.machine) {
      deps.refused(link, type, task ? 'not_owner' : 'unknown_task', { taskId });
      return undefined;
    }
    return task;
  }

  function started(link: Link, msg: { taskId: string; workspace: string; at: number }): void {
    if (!owned(link, 'task.started', msg.taskId)) return;
    if (tasks.markRunning(msg.taskId, msg.workspace, msg.at)) {
      bus.emit('task.started', { taskId: msg.taskId, machine: link.machine, workspace: msg.workspace });
    }
  }

  function finished(link: Link, outcome: TaskOutcome): void {
    const task = owned(link, 'task.finished', outcome.taskId);
    if (!task) {
      link.send({ type: 'task.recorded', taskId: outcome.taskId });
      return;
    }
    output.flush();
    const stored = output.storedSeq(outcome.taskId);
    if (stored < outcome.lastSeq) {
      // Chunks are still missing (a replay is under way, or writes are failing): recorded once they are stored.
      warn.warn({ taskId: outcome.taskId, stored, lastSeq: outcome.lastSeq }, 'finish before all output; waiting');
      output.whenStored(outcome.taskId, outcome.lastSeq, () => finished(link, outcome));
      return;
    }
    const recorded = tasks.finish(
      outcome.taskId,
      {
        state: outcome.state,
        exitCode: outcome.exitCode,
        error: outcome.error ?? null,
        sessionId: outcome.sessionId ?? null,
        agent: outcome.agent ?? null,
        summary: outcome.summary ?? null,
        costUsd: outcome.costUsd ?? null,
        cancelledBy: outcome.cancelledBy ?? null,
        worktree: outcome.worktree ?? null,
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

  return {
    started,
    output(link, chunk) {
      const refused = output.accept(link.machineId, link.machine, chunk);
      if (!refused) return;
      // Not acknowledged either: an ack would tell the sender how far another machine's output reaches.
      deps.refused(link, 'task.output', refused, { taskId: chunk.taskId, seq: chunk.seq });
      // The hub holds too much output it cannot store yet: this worker reconnects later and replays from its spool.
      if (refused === 'overloaded') link.close(CloseCode.tryAgainLater, 'the hub cannot store output right now; reconnect later');
    },
    finished,
  };
}
