import type { Db } from '../db/database.js';
import type { Logger } from '../../common/logger.js';
import { finalStates, ProgressEvent, type OutputChunk, type TaskState } from '../../protocol/tasks.js';
import type { EventBus } from '../events.js';
import { createLogBudget } from '../link/log-budget.js';

/** Options for the batched output writer. */
export interface OutputWriterOptions {
  /** Longest a chunk waits before its batch is written. Bounds the worker-to-event latency. */
  flushMs?: number;
  /** A batch this large is written at once. */
  maxBatchBytes?: number;
}

interface Pending {
  machineId: number;
  machine: string;
  chunk: OutputChunk;
}

interface TaskCursor {
  /** The machine the task was given to: the only one whose chunks are stored (null once it was removed). */
  machineId: number | null;
  seq: number;
  bytes: number;
  /** The task has ended: nothing new is stored, replays of stored chunks are only acknowledged. */
  final: boolean;
}

/** Why a chunk was not taken: no such task, another machine's task, or a new chunk for a task that has ended. */
export type OutputRefusal = 'unknown_task' | 'not_owner' | 'finished';

/** Cursors of ended (and unknown) tasks kept for replays and refusals; the oldest are dropped past this many. */
const SETTLED_MAX = 4096;

/** Writes output chunks in batches, exactly once each, acknowledges them, then publishes them. */
export interface OutputWriter {
  /**
   * Takes a chunk from the machine `machineId`, or says why not: only the machine a task was given to may write
   * its output, and only until the task ends. Checked against a cached cursor, without a query per chunk.
   */
  accept(machineId: number, machine: string, chunk: OutputChunk): OutputRefusal | undefined;
  /** Writes whatever is pending now (before a task is finalised, and at shutdown). */
  flush(): void;
  /** The highest contiguous seq stored for a task. */
  storedSeq(taskId: string): number;
  /** Marks a task as ended: from now on its chunks are only acknowledged, never stored. */
  forget(taskId: string): void;
  close(): void;
}

/**
 * Creates the writer. Chunks are appended to SQLite in one transaction per batch; a chunk whose seq is already
 * stored (a replay after a reconnect) is skipped, so each is stored once. Only after the commit are the chunks
 * acknowledged to the worker (which then drops them from its spool) and published as `task.output`: nothing a
 * worker forgets is lost, and nothing an observer sees is not in the database. A chunk is taken only from the
 * machine that owns its task, and only while the task runs: one machine cannot write into another's log.
 */
export function createOutputWriter(deps: {
  db: Db;
  bus: EventBus;
  log: Logger;
  ack: (machineId: number, taskId: string, seq: number) => void;
  /**
   * A batch could not be stored (the disk is full): nothing of it was kept or acknowledged. The machines that sent
   * it should send it again later (their workers keep it spooled until it is acknowledged).
   */
  storeFailed?: (machineIds: number[], err: unknown) => void;
  /** Called for each stored chunk with its size and the time since the worker read it. */
  observe?: (bytes: number, latencyMs: number) => void;
  options?: OutputWriterOptions;
}): OutputWriter {
  const flushMs = deps.options?.flushMs ?? 3;
  const maxBatchBytes = deps.options?.maxBatchBytes ?? 2 * 1024 * 1024;
  const insert = deps.db.prepare('INSERT OR IGNORE INTO task_output (task_id, seq, offset, stream, data, at) VALUES (?, ?, ?, ?, ?, ?)');
  const cursorOf = deps.db.prepare<[string], { machineId: number | null; state: TaskState; seq: number; bytes: number }>(
    'SELECT machine_id AS machineId, state, output_seq AS seq, output_bytes AS bytes FROM tasks WHERE id = ?',
  );
  const saveCursor = deps.db.prepare('UPDATE tasks SET output_seq = ?, output_bytes = ? WHERE id = ?');
  // Tasks that may still get output, and (bounded) tasks that have ended or do not exist (null). Either way one
  // query per task, not per chunk: at 100 MB/s of output the check must be a map lookup.
  const live = new Map<string, TaskCursor>();
  const settled = new Map<string, TaskCursor | null>();
  const warn = createLogBudget(deps.log);
  let pending: Pending[] = [];
  let pendingBytes = 0;
  let timer: NodeJS.Timeout | undefined;

  function cursor(taskId: string): TaskCursor | null {
    const c = live.get(taskId) ?? settled.get(taskId);
    if (c !== undefined) return c;
    const row = cursorOf.get(taskId);
    if (!row) return remember(taskId, null);
    const loaded = { machineId: row.machineId, seq: row.seq, bytes: row.bytes, final: finalStates.has(row.state) };
    if (loaded.final) return remember(taskId, loaded);
    live.set(taskId, loaded);
    return loaded;
  }

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
    // Every way a task ends is published; the ones that do not pass through `forget` are caught here.
    deps.bus.on('task.finished', ({ task }) => settle(task.id)),
    // A removed machine's id can be given to the next machine added: owners are read afresh from the database.
    deps.bus.on('machine.removed', () => {
      live.clear();
      settled.clear();
    }),
  ];

  // The cursors move only once the transaction has committed: if it fails (a full disk), memory still says what
  // the database holds, so the replayed chunks are stored rather than taken for duplicates.
  const writeBatch = deps.db.transaction((batch: Pending[]) => {
    const stored: Pending[] = [];
    const touched = new Map<string, { machineId: number; cursor: TaskCursor; seq: number; bytes: number; changed: boolean }>();
    for (const p of batch) {
      const c = cursor(p.chunk.taskId);
      if (!c || c.machineId !== p.machineId) continue; // the owner was removed while the chunk waited
      const t = touched.get(p.chunk.taskId) ?? { machineId: p.machineId, cursor: c, seq: c.seq, bytes: c.bytes, changed: false };
      touched.set(p.chunk.taskId, t);
      if (p.chunk.seq <= t.seq) continue; // a replay of something already stored
      if (c.final) continue; // the task ended while the chunk waited: nothing new is stored for it
      if (p.chunk.seq !== t.seq + 1) {
        // A gap: an earlier chunk is missing. Store nothing past it; the worker replays from its last ack.
        warn.warn({ taskId: p.chunk.taskId, expected: t.seq + 1, got: p.chunk.seq }, 'output gap; waiting for replay');
        continue;
      }
      insert.run(p.chunk.taskId, p.chunk.seq, p.chunk.offset, p.chunk.stream, p.chunk.data, p.chunk.at);
      t.seq = p.chunk.seq;
      t.bytes += Buffer.byteLength(p.chunk.data);
      t.changed = true;
      stored.push(p);
    }
    for (const [taskId, t] of touched) if (t.changed) saveCursor.run(t.seq, t.bytes, taskId);
    return { stored, touched };
  });

  function flush(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    pendingBytes = 0;
    let written: ReturnType<typeof writeBatch>;
    try {
      written = writeBatch(batch);
    } catch (err) {
      // Nothing of the batch was stored or acknowledged; its senders will send it again (see storeFailed).
      warn.warn({ err: err instanceof Error ? err.message : String(err), chunks: batch.length }, 'cannot store task output; the workers keep it and send it again');
      deps.storeFailed?.([...new Set(batch.map((p) => p.machineId))], err);
      return;
    }
    const { stored, touched } = written;
    for (const [, t] of touched) {
      t.cursor.seq = t.seq;
      t.cursor.bytes = t.bytes;
    }
    for (const [taskId, { machineId, cursor: c }] of touched) deps.ack(machineId, taskId, c.seq);
    const now = Date.now();
    for (const { machine, chunk } of stored) {
      deps.observe?.(Buffer.byteLength(chunk.data), now - chunk.at);
      deps.bus.emit('task.output', { taskId: chunk.taskId, machine, seq: chunk.seq, stream: chunk.stream, data: chunk.data, at: chunk.at });
      if (chunk.stream === 'event') publishProgress(machine, chunk);
    }
  }

  function publishProgress(machine: string, chunk: OutputChunk): void {
    for (const line of chunk.data.split('\n')) {
      if (!line) continue;
      let parsed;
      try {
        parsed = ProgressEvent.safeParse(JSON.parse(line));
      } catch {
        parsed = undefined;
      }
      if (parsed?.success) deps.bus.emit('task.progress', { taskId: chunk.taskId, machine, event: parsed.data });
      else warn.warn({ taskId: chunk.taskId }, 'malformed progress event ignored');
    }
  }

  return {
    accept(machineId, machine, chunk) {
      const c = cursor(chunk.taskId);
      if (!c) return 'unknown_task';
      if (c.machineId !== machineId) return 'not_owner';
      // A replay of a stored chunk of an ended task goes on, to be acknowledged; anything new for it is refused.
      if (c.final && chunk.seq > c.seq) return 'finished';
      pending.push({ machineId, machine, chunk });
      pendingBytes += chunk.data.length;
      if (pendingBytes >= maxBatchBytes) flush();
      else timer ??= setTimeout(flush, flushMs);
      return undefined;
    },
    flush,
    storedSeq(taskId) {
      return cursor(taskId)?.seq ?? 0;
    },
    forget: settle,
    close() {
      flush();
      warn.close();
      for (const off of offs) off();
    },
  };
}
