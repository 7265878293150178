import type { Db } from '../db/database.js';
import { finalStates, type TaskState } from '../../protocol/tasks.js';
import type { EventBus } from '../events.js';

/** Where a task's stored output stands, and who may add to it. */
export interface TaskCursor {
  /** The machine the task was given to: the only one whose chunks are stored (null once it was removed). */
  machineId: number | null;
  seq: number;
  bytes: number;
  /** The task has ended: nothing new is stored, replays of stored chunks are only acknowledged. */
  final: boolean;
}

/** Cursors of ended (and unknown) tasks kept for replays and refusals; the oldest are dropped past this many. */
const SETTLED_MAX = 4096;

/** The output writer's cache of task cursors: one query per task, not per chunk. */
export interface OutputCursors {
  /** The cursor of a task (loaded once), or null when there is no such task. */
  get(taskId: string): TaskCursor | null;
  /** The task has ended: its cursor is final from now on. */
  settle(taskId: string): void;
  close(): void;
}

/**
 * Creates the cache. Tasks that may still get output are kept until they end; ended and unknown tasks are kept in a
 * bounded map (for replays and refusals). At 100 MB/s of output the ownership check must be a map lookup.
 */
export function createOutputCursors(db: Db, bus: EventBus): OutputCursors {
  const cursorOf = db.prepare<[string], { machineId: number | null; state: TaskState; seq: number; bytes: number }>(
    'SELECT machine_id AS machineId, state, output_seq AS seq, output_bytes AS bytes FROM tasks WHERE id = ?',
  );
  const live = new Map<string, TaskCursor>();
  const settled = new Map<string, TaskCursor | null>();

  function remember(taskId: string, c: TaskCursor | null): TaskCursor | null {
    settled.set(taskId, c);
    if (settled.size > SETTLED_MAX) settled.delete(settled.keys().next().value!);
    return c;
  }

  function settle(taskId: string): void {
    const c = live.get(taskId);
    if (!c) return; // not cached as running: if it is ever needed, it is loaded afresh, and final
    live.delete(taskId);
    c.final = true;
    remember(taskId, c);
  }

  const offs = [
    // Every way a task ends is published; the ones that do not pass through `settle` are caught here.
    bus.on('task.finished', ({ task }) => settle(task.id)),
    // A removed machine's id can be given to the next machine added: owners are read afresh from the database.
    bus.on('machine.removed', () => {
      live.clear();
      settled.clear();
    }),
  ];

  return {
    get(taskId) {
      const c = live.get(taskId) ?? settled.get(taskId);
      if (c !== undefined) return c;
      const row = cursorOf.get(taskId);
      if (!row) return remember(taskId, null);
      const loaded = { machineId: row.machineId, seq: row.seq, bytes: row.bytes, final: finalStates.has(row.state) };
      if (loaded.final) return remember(taskId, loaded);
      live.set(taskId, loaded);
      return loaded;
    },
    settle,
    close() {
      for (const off of offs) off();
    },
  };
}
