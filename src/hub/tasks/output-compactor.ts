import type { Logger } from '../../common/logger.js';
import { errorMessage } from '../../common/errors.js';
import type { Db } from '../db/database.js';
import type { EventBus } from '../events.js';
import { decodeBlock, deflateFast, diskBytesOf, encodeBlock, type Codec, type Compress } from './output-blocks.js';
import { outputStatements } from './output-store.js';

/** A block below this (before compression) is worth merging with its neighbours. */
const SMALL_BYTES = 32 * 1024;
/** Merged blocks grow up to this. */
const TARGET_BYTES = 256 * 1024;
/** A block stored as it is but this large may compress (one carried over from before blocks). */
const COMPRESSIBLE_BYTES = 256;
/**
 * Output rewritten per turn of the event loop, at most (one group past it): about 5 ms of inflating and deflating,
 * so a task that printed a million small lines is compacted over many turns instead of stalling the hub.
 */
const STEP_BYTES = 512 * 1024;
/** Wait after the start before looking for old uncompressed blocks, and how many rows to look at per turn. */
const SWEEP_AFTER_MS = 60_000;
const SWEEP_SLICE = 2000;

interface BlockMeta {
  rowid: number;
  firstSeq: number;
  bytes: number;
  codec: Codec;
}

/** Merges a finished task's small blocks into larger compressed ones, one task at a time, between other work. */
export interface OutputCompactor {
  close(): void;
}

/**
 * Creates the compactor. A task that prints a little at a time (an agent's progress, a slow build) is stored in
 * many small blocks, which neither compress well nor save the row overhead; once it has finished, its runs of
 * small blocks are rewritten as blocks of up to 256 KB, compressed. Chunks, seqs and offsets are unchanged, so
 * readers see exactly the same output. `resized` hears how much disk each task's rewrite saved.
 */
export function createOutputCompactor(deps: { db: Db; bus: EventBus; log: Logger; compress?: Compress; resized?: (diskDelta: number) => void }): OutputCompactor {
  const { db } = deps;
  const compress = deps.compress ?? deflateFast;
  const store = outputStatements(db);
  const blocksOf = db.prepare<[string], BlockMeta>('SELECT rowid, first_seq AS firstSeq, bytes, codec FROM output_blocks WHERE task_id = ? ORDER BY last_seq');
  const blockData = db.prepare<[number], { firstSeq: number; offset: number; codec: Codec; chunks: Buffer; data: Buffer }>(
    'SELECT first_seq AS firstSeq, offset, codec, chunks, data FROM output_blocks WHERE rowid = ?',
  );
  const drop = db.prepare('DELETE FROM output_blocks WHERE rowid = ?');
  const addDisk = db.prepare('UPDATE tasks SET output_disk_bytes = output_disk_bytes + ? WHERE id = ?');
  const slice = db.prepare<[number, number], { rowid: number; taskId: string; codec: Codec; bytes: number }>(
    'SELECT rowid, task_id AS taskId, codec, bytes FROM output_blocks WHERE rowid > ? ORDER BY rowid LIMIT ?',
  );
  const queue = new Set<string>();
  /** The task being compacted, with the groups still to rewrite. */
  let current: { taskId: string; groups: BlockMeta[][] } | undefined;
  let timer: NodeJS.Immediate | undefined;
  let closed = false;

  /** Runs of blocks worth rewriting: consecutive small ones (two or more), or one stored as it is that may compress. */
  function groups(blocks: BlockMeta[]): BlockMeta[][] {
    const out: BlockMeta[][] = [];
    let run: BlockMeta[] = [];
    let size = 0;
    const close = () => {
      if (run.length > 1 || (run.length === 1 && run[0]!.codec === 0 && run[0]!.bytes >= COMPRESSIBLE_BYTES)) out.push(run);
      run = [];
      size = 0;
    };
    for (const b of blocks) {
      if (b.bytes >= SMALL_BYTES && !(b.codec === 0 && b.bytes >= COMPRESSIBLE_BYTES)) {
        close();
        continue;
      }
      if (size + b.bytes > TARGET_BYTES) close();
      run.push(b);
      size += b.bytes;
    }
    close();
    return out;
  }

  /** Rewrites one group as one block, in one transaction; returns the disk it saved. */
  const rewrite = db.transaction((taskId: string, group: BlockMeta[]) => {
    const rows = group.map((b) => blockData.get(b.rowid)).filter((r) => r !== undefined);
    if (rows.length !== group.length) return 0; // pruned meanwhile
    const chunks = rows.flatMap((r) => decodeBlock(r));
    const before = rows.reduce((n, r) => n + diskBytesOf(r), 0);
    const block = encodeBlock(rows[0]!.firstSeq, rows[0]!.offset, chunks, compress);
    const delta = diskBytesOf(block) - before;
    if (delta >= 0) return 0; // nothing gained: leave it as it is
    for (const b of group) drop.run(b.rowid);
    store.insert(taskId, block);
    addDisk.run(delta, taskId);
    return delta;
  });

  /** The next task's groups to rewrite, or undefined when none is queued. */
  function next(): { taskId: string; groups: BlockMeta[][] } | undefined {
    const taskId = queue.values().next().value;
    if (taskId === undefined) return undefined;
    queue.delete(taskId);
    return { taskId, groups: groups(blocksOf.all(taskId)) };
  }

  function step(): void {
    timer = undefined;
    if (closed) return;
    let saved = 0;
    let work = 0;
    let taskId: string | undefined;
    try {
      current ??= next();
      if (!current) return;
      taskId = current.taskId;
      // Up to STEP_BYTES per turn of the event loop: links and requests go between.
      while (current.groups.length && work < STEP_BYTES) {
        const group = current.groups.shift()!;
        work += group.reduce((n, b) => n + b.bytes, 0);
        saved += rewrite(current.taskId, group);
      }
    } catch (err) {
      deps.log.warn({ taskId, err: errorMessage(err) }, 'could not compact task output; it stays as it is');
      current = undefined;
    }
    if (current && !current.groups.length) current = undefined;
    if (saved) deps.resized?.(saved);
    if (current || queue.size) timer = setImmediate(step);
  }

  function enqueue(taskId: string): void {
    if (closed) return;
    queue.add(taskId);
    timer ??= setImmediate(step);
  }

  const off = deps.bus.on('task.finished', ({ task }) => enqueue(task.id));
  /** Finds blocks stored as they are that may compress, a slice of rows per turn of the event loop. */
  function sweepFrom(rowid: number): void {
    if (closed) return;
    try {
      const rows = slice.all(rowid, SWEEP_SLICE);
      for (const r of rows) if (r.codec === 0 && r.bytes >= COMPRESSIBLE_BYTES) enqueue(r.taskId);
      if (rows.length === SWEEP_SLICE) setImmediate(() => sweepFrom(rows[rows.length - 1]!.rowid));
    } catch (err) {
      deps.log.warn({ err: errorMessage(err) }, 'could not look for uncompressed task output');
    }
  }
  // Output stored before blocks existed was carried over as it is: compress it once, in the background.
  const sweep = setTimeout(() => sweepFrom(0), SWEEP_AFTER_MS);
  sweep.unref();

  return {
    close() {
      closed = true;
      off();
      clearTimeout(sweep);
      if (timer) clearImmediate(timer);
    },
  };
}
