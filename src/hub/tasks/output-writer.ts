import type { Db } from '../db/database.js';
import type { Logger } from '../../common/logger.js';
import { ProgressEvent, type OutputChunk } from '../../protocol/tasks.js';
import type { EventBus } from '../events.js';

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
  seq: number;
  bytes: number;
}

/** Writes output chunks in batches, exactly once each, acknowledges them, then publishes them. */
export interface OutputWriter {
  accept(machineId: number, machine: string, chunk: OutputChunk): void;
  /** Writes whatever is pending now (before a task is finalised, and at shutdown). */
  flush(): void;
  /** The highest contiguous seq stored for a task. */
  storedSeq(taskId: string): number;
  /** Drops the cached cursor of a finished task. */
  forget(taskId: string): void;
  close(): void;
}

/**
 * Creates the writer. Chunks are appended to SQLite in one transaction per batch; a chunk whose seq is already
 * stored (a replay after a reconnect) is skipped, so each is stored once. Only after the commit are the chunks
 * acknowledged to the worker (which then drops them from its spool) and published as `task.output`: nothing a
 * worker forgets is lost, and nothing an observer sees is not in the database.
 */
export function createOutputWriter(deps: {
  db: Db;
  bus: EventBus;
  log: Logger;
  ack: (machineId: number, taskId: string, seq: number) => void;
  /** Called for each stored chunk with its size and the time since the worker read it. */
  observe?: (bytes: number, latencyMs: number) => void;
  options?: OutputWriterOptions;
}): OutputWriter {
  const flushMs = deps.options?.flushMs ?? 3;
  const maxBatchBytes = deps.options?.maxBatchBytes ?? 2 * 1024 * 1024;
  const insert = deps.db.prepare('INSERT OR IGNORE INTO task_output (task_id, seq, offset, stream, data, at) VALUES (?, ?, ?, ?, ?, ?)');
  const cursorOf = deps.db.prepare<[string], TaskCursor>('SELECT output_seq AS seq, output_bytes AS bytes FROM tasks WHERE id = ?');
  const saveCursor = deps.db.prepare('UPDATE tasks SET output_seq = ?, output_bytes = ? WHERE id = ?');
  const cursors = new Map<string, TaskCursor>();
  let pending: Pending[] = [];
  let pendingBytes = 0;
  let timer: NodeJS.Timeout | undefined;

  function cursor(taskId: string): TaskCursor | undefined {
    let c = cursors.get(taskId);
    if (!c) {
      const row = cursorOf.get(taskId);
      if (!row) return undefined;
      cursors.set(taskId, (c = { seq: row.seq, bytes: row.bytes }));
    }
    return c;
  }

  const writeBatch = deps.db.transaction((batch: Pending[]) => {
    const stored: Pending[] = [];
    const touched = new Map<string, { machineId: number; cursor: TaskCursor }>();
    for (const p of batch) {
      const c = cursor(p.chunk.taskId);
      if (!c) {
        deps.log.warn({ taskId: p.chunk.taskId, machine: p.machine }, 'output for an unknown task dropped');
        continue;
      }
      touched.set(p.chunk.taskId, { machineId: p.machineId, cursor: c });
      if (p.chunk.seq <= c.seq) continue; // a replay of something already stored
      if (p.chunk.seq !== c.seq + 1) {
        // A gap: an earlier chunk is missing. Store nothing past it; the worker replays from its last ack.
        deps.log.warn({ taskId: p.chunk.taskId, expected: c.seq + 1, got: p.chunk.seq }, 'output gap; waiting for replay');
        continue;
      }
      insert.run(p.chunk.taskId, p.chunk.seq, p.chunk.offset, p.chunk.stream, p.chunk.data, p.chunk.at);
      c.seq = p.chunk.seq;
      c.bytes += Buffer.byteLength(p.chunk.data);
      stored.push(p);
    }
    for (const [taskId, { cursor: c }] of touched) saveCursor.run(c.seq, c.bytes, taskId);
    return { stored, touched };
  });

  function flush(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    pendingBytes = 0;
    const { stored, touched } = writeBatch(batch);
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
      else deps.log.warn({ taskId: chunk.taskId }, 'malformed progress event ignored');
    }
  }

  return {
    accept(machineId, machine, chunk) {
      pending.push({ machineId, machine, chunk });
      pendingBytes += chunk.data.length;
      if (pendingBytes >= maxBatchBytes) flush();
      else timer ??= setTimeout(flush, flushMs);
    },
    flush,
    storedSeq(taskId) {
      return cursor(taskId)?.seq ?? 0;
    },
    forget(taskId) {
      cursors.delete(taskId);
    },
    close() {
      flush();
    },
  };
}
