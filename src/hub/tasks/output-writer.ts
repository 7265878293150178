import type { Db } from '../db/database.js';
import type { Logger } from '../../common/logger.js';
import { errorMessage } from '../../common/errors.js';
import { MAX_ACKS, type OutputAck } from '../../protocol/messages.js';
import type { OutputFrame } from '../../protocol/output-frame.js';
import type { EventBus } from '../events.js';
import { createLogBudget } from '../link/log-budget.js';
import { deflateFast, diskBytesOf, encodeBlock, type Compress, type StoredBlock } from './output-blocks.js';
import { createOutputCursors, type TaskCursor } from './output-cursors.js';
import { outputEvent, publishProgress } from './output-events.js';
import { outputStatements } from './output-store.js';

/** Options for the batched output writer. */
export interface OutputWriterOptions {
  /** Longest a chunk waits before its batch is written. Bounds the worker-to-event latency. */
  flushMs?: number;
  /** A batch this large is written at once. */
  maxBatchBytes?: number;
  /** Output held while writes fail (a full disk); past it, new chunks are refused (not acknowledged). */
  maxPendingBytes?: number;
  /** The longest wait between two tries of a failed write. */
  retryMaxMs?: number;
  /** How a block's data is compressed (tests hand in one that fails). */
  compress?: Compress;
}

interface Pending {
  machineId: number;
  machine: string;
  chunk: OutputFrame;
}

/**
 * Why a chunk was not taken: no such task, another machine's task, a new chunk for a task that has ended, or the
 * hub holds too much output it could not store yet.
 */
export type OutputRefusal = 'unknown_task' | 'not_owner' | 'finished' | 'overloaded';

/** The largest block (before compression): a reader decompresses a whole block to serve one chunk of it. */
const MAX_BLOCK_BYTES = 1024 * 1024;

/** Writes output chunks in compressed blocks, exactly once each, acknowledges them, then publishes them. */
export interface OutputWriter {
  /**
   * Takes a chunk from the machine `machineId`, or says why not: only the machine a task was given to may write
   * its output, and only until the task ends. Checked against a cached cursor, without a query per chunk.
   */
  accept(machineId: number, machine: string, chunk: OutputFrame): OutputRefusal | undefined;
  /** Writes whatever is pending now (before a task is finalised, and at shutdown). */
  flush(): void;
  /** The highest contiguous seq stored for a task. */
  storedSeq(taskId: string): number;
  /**
   * Calls `then` once a task's output is stored up to `seq` (a finish that came before its last chunks were
   * written: writes were failing, or a replay is under way). One waiter per task: a later call replaces it.
   */
  whenStored(taskId: string, seq: number, then: () => void): void;
  /** Marks a task as ended: from now on its chunks are only acknowledged, never stored. */
  forget(taskId: string): void;
  close(): void;
}

/** A task's part of a batch: what it will have stored once the batch commits. */
interface Plan {
  machineId: number;
  cursor: TaskCursor;
  seq: number;
  bytes: number;
  fresh: Pending[];
}

/**
 * Creates the writer. Each batch (every `flushMs`, or at `maxBatchBytes`) stores each task's new chunks as one
 * block, compressed, in one transaction; a chunk whose seq is already stored (a replay after a reconnect) is
 * skipped, so each is stored once. Only after the commit are the chunks acknowledged to the worker (which then
 * drops them from its spool) and published as `task.output`: nothing a worker forgets is lost, and nothing an
 * observer sees is not in the database. A chunk that cannot be compressed is stored as it is. A batch that cannot
 * be written (a full disk) is kept and tried again, with a growing pause, and acknowledged only once it is stored;
 * meanwhile the workers' flow control holds their agents and their spools keep the rest.
 */
export function createOutputWriter(deps: {
  db: Db;
  bus: EventBus;
  log: Logger;
  /** Acknowledges stored output to a machine: one call per machine and write, for all its tasks in it. */
  ack: (machineId: number, acks: OutputAck[]) => void;
  /** Called for each stored chunk with its size and the time since the worker read it. */
  observe?: (bytes: number, latencyMs: number) => void;
  /** Called when compression failed (the block was stored as it is) and when a batch could not be written. */
  failed?: (what: 'compress' | 'store') => void;
  /** Called after each write with the output it stored and the disk that took (retention keeps count). */
  stored?: (outputBytes: number, diskBytes: number) => void;
  options?: OutputWriterOptions;
}): OutputWriter {
  const flushMs = deps.options?.flushMs ?? 3;
  const maxBatchBytes = deps.options?.maxBatchBytes ?? 2 * 1024 * 1024;
  const maxPendingBytes = deps.options?.maxPendingBytes ?? 64 * 1024 * 1024;
  const retryMaxMs = deps.options?.retryMaxMs ?? 5000;
  const compress = deps.options?.compress ?? deflateFast;
  const store = outputStatements(deps.db);
  // One statement per task and write: where its output stands, and the disk its new blocks take.
  const saveCursor = deps.db.prepare('UPDATE tasks SET output_seq = ?, output_bytes = ?, output_disk_bytes = output_disk_bytes + ? WHERE id = ?');
  const cursors = createOutputCursors(deps.db, deps.bus);
  const warn = createLogBudget(deps.log);
  let pending: Pending[] = [];
  let pendingBytes = 0;
  let timer: NodeJS.Timeout | undefined;
  /** Failed writes in a row, and when the next try is due (0: none failed). */
  let failures = 0;
  let retryAt = 0;
  const waiters = new Map<string, { seq: number; then: () => void }>();

  /** Sorts a batch into each task's new chunks (in order, from the next seq on); replays and gaps are left out. */
  function plan(batch: Pending[]): Map<string, Plan> {
    const plans = new Map<string, Plan>();
    for (const p of batch) {
      const c = cursors.get(p.chunk.taskId);
      if (!c || c.machineId !== p.machineId) continue; // the owner was removed while the chunk waited
      let t = plans.get(p.chunk.taskId);
      if (!t) plans.set(p.chunk.taskId, (t = { machineId: p.machineId, cursor: c, seq: c.seq, bytes: c.bytes, fresh: [] }));
      if (p.chunk.seq <= t.seq) continue; // a replay of something already stored
      if (c.final) continue; // the task ended while the chunk waited: nothing new is stored for it
      if (p.chunk.seq !== t.seq + 1) {
        // A gap: an earlier chunk is missing. Store nothing past it; the worker replays from its last ack.
        warn.warn({ taskId: p.chunk.taskId, expected: t.seq + 1, got: p.chunk.seq }, 'output gap; waiting for replay');
        continue;
      }
      t.fresh.push(p);
      t.seq = p.chunk.seq;
    }
    return plans;
  }

  /** A task's new chunks as blocks of at most MAX_BLOCK_BYTES; offsets are the hub's own count. */
  function blocksOf(t: Plan): StoredBlock[] {
    const blocks: StoredBlock[] = [];
    for (let i = 0; i < t.fresh.length; ) {
      const part: Pending[] = [];
      let size = 0;
      while (i < t.fresh.length && (part.length === 0 || size + t.fresh[i]!.chunk.data.length <= MAX_BLOCK_BYTES)) {
        size += t.fresh[i]!.chunk.data.length;
        part.push(t.fresh[i++]!);
      }
      const block = encodeBlock(part[0]!.chunk.seq, t.bytes, part.map((p) => p.chunk), compress);
      if (block.failed) {
        deps.failed?.('compress');
        warn.warn({ taskId: part[0]!.chunk.taskId, seq: block.firstSeq }, 'output could not be compressed; stored as it is');
      }
      t.bytes += size;
      blocks.push(block);
    }
    return blocks;
  }

  const writeBatch = deps.db.transaction((plans: Map<string, Plan>, blocks: Map<string, StoredBlock[]>) => {
    for (const [taskId, list] of blocks) {
      let disk = 0;
      for (const b of list) {
        store.insert(taskId, b);
        disk += diskBytesOf(b);
      }
      const t = plans.get(taskId)!;
      saveCursor.run(t.seq, t.bytes, disk, taskId);
    }
  });

  function flush(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    pendingBytes = 0;
    const plans = plan(batch);
    const blocks = new Map<string, StoredBlock[]>();
    for (const [taskId, t] of plans) if (t.fresh.length) blocks.set(taskId, blocksOf(t));
    try {
      writeBatch(plans, blocks);
    } catch (err) {
      return retryLater(batch, err);
    }
    if (failures) deps.log.info({ after: failures }, 'task output is stored again');
    failures = 0;
    retryAt = 0;
    let outputBytes = 0;
    let diskBytes = 0;
    for (const b of [...blocks.values()].flat()) {
      outputBytes += b.bytes;
      diskBytes += diskBytesOf(b);
    }
    if (outputBytes) deps.stored?.(outputBytes, diskBytes);
    const acks = new Map<number, OutputAck[]>();
    for (const [taskId, t] of plans) {
      t.cursor.seq = t.seq;
      t.cursor.bytes = t.bytes;
      const list = acks.get(t.machineId);
      if (list) list.push({ taskId, seq: t.seq });
      else acks.set(t.machineId, [{ taskId, seq: t.seq }]);
    }
    for (const [machineId, list] of acks) {
      for (let i = 0; i < list.length; i += MAX_ACKS) deps.ack(machineId, list.slice(i, i + MAX_ACKS));
    }
    const now = Date.now();
    for (const t of plans.values()) {
      for (const { machine, chunk } of t.fresh) {
        deps.observe?.(chunk.data.length, now - chunk.at);
        deps.bus.emit('task.output', outputEvent(machine, chunk));
        if (chunk.stream === 'event') publishProgress(deps.bus, warn, machine, chunk);
      }
    }
    for (const [taskId, t] of plans) {
      const w = waiters.get(taskId);
      if (!w || t.seq < w.seq) continue;
      waiters.delete(taskId);
      w.then();
    }
  }

  /** Keeps a batch that could not be written (in front of what came since) and tries again later. */
  function retryLater(batch: Pending[], err: unknown): void {
    failures++;
    deps.failed?.('store');
    const waitMs = Math.min(retryMaxMs, 50 * 2 ** Math.min(failures, 10));
    retryAt = Date.now() + waitMs;
    warn.warn({ err: errorMessage(err), retryInMs: waitMs, failures }, 'cannot store task output (disk full?); it is kept and not acknowledged');
    pending = batch.concat(pending);
    pendingBytes = pending.reduce((n, p) => n + p.chunk.data.length, 0);
    timer = setTimeout(flush, waitMs);
  }

  return {
    accept(machineId, machine, chunk) {
      const c = cursors.get(chunk.taskId);
      if (!c) return 'unknown_task';
      if (c.machineId !== machineId) return 'not_owner';
      // A replay of a stored chunk of an ended task goes on, to be acknowledged; anything new for it is refused.
      if (c.final && chunk.seq > c.seq) return 'finished';
      if (pendingBytes + chunk.data.length > maxPendingBytes) return 'overloaded';
      pending.push({ machineId, machine, chunk });
      pendingBytes += chunk.data.length;
      if (retryAt) return undefined; // writes are failing: the retry's timer is set
      if (pendingBytes >= maxBatchBytes) flush();
      else timer ??= setTimeout(flush, flushMs);
      return undefined;
    },
    flush() {
      if (!retryAt || Date.now() >= retryAt) flush();
    },
    storedSeq(taskId) {
      return cursors.get(taskId)?.seq ?? 0;
    },
    whenStored(taskId, seq, then) {
      waiters.set(taskId, { seq, then });
    },
    forget(taskId) {
      waiters.delete(taskId);
      cursors.settle(taskId);
    },
    close() {
      flush();
      if (timer) clearTimeout(timer);
      waiters.clear();
      warn.close();
      cursors.close();
    },
  };
}
