import { TaskId, type LedgerEntry, type TaskOutcome } from '../../protocol/tasks.js';
import type { RejectedEntry } from './ledger.js';

/**
 * Tasks whose ledger entry could not be read (see TaskLedger.rejected). Their outcome is unknown, so the hub hears
 * they are lost, and the worker never runs them again if the hub assigns one once more, until the hub has recorded
 * that and says to forget them.
 */
export interface SetAsideTasks {
  /** The outcome to report for a task set aside, if it is one. */
  outcome(taskId: string): TaskOutcome | undefined;
  all(): TaskOutcome[];
  /** For the hello: reported as finished, so the hub waits for the outcome instead of dispatching it again. */
  entries(): LedgerEntry[];
  forget(taskId: string): void;
}

/** Builds the set from the ledger's rejected entries (those whose key is a task id). */
export function setAsideTasks(rejected: readonly RejectedEntry[], now = Date.now()): SetAsideTasks {
  const outcomes = new Map<string, TaskOutcome>();
  for (const r of rejected) {
    if (!TaskId.safeParse(r.taskId).success) continue;
    const error = `this worker's ledger entry for the task could not be read (${r.reason}); it was set aside in ${r.keptIn}`;
    outcomes.set(r.taskId, { taskId: r.taskId, state: 'lost', exitCode: null, error: error.slice(0, 4000), lastSeq: 0, finishedAt: now });
  }
  return {
    outcome: (taskId) => outcomes.get(taskId),
    all: () => [...outcomes.values()],
    entries: () => [...outcomes.keys()].map((taskId) => ({ taskId, state: 'finished' })),
    forget: (taskId) => void outcomes.delete(taskId),
  };
}
