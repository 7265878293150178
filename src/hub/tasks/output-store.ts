import type { Db } from '../db/database.js';
import { decodeBlock, type Codec, type StoredBlock } from './output-blocks.js';
import type { StoredChunk } from './task.js';

interface BlockRow {
  firstSeq: number;
  lastSeq: number;
  offset: number;
  bytes: number;
  codec: Codec;
  chunks: Buffer;
  data: Buffer;
}

/** The statements over `output_blocks`, prepared once per database connection. */
export interface OutputStatements {
  /** Adds a block (the caller adds its size to the task's `output_disk_bytes`, see diskBytesOf). */
  insert(taskId: string, block: StoredBlock): void;
  /** A task's blocks holding seq `fromSeq` or later, in order. */
  blocksFrom(taskId: string, fromSeq: number): IterableIterator<BlockRow>;
}

const prepared = new WeakMap<Db, OutputStatements>();

/** The output statements of a connection (the hub's, or a reader's such as the benchmark's check). */
export function outputStatements(db: Db): OutputStatements {
  let s = prepared.get(db);
  if (s) return s;
  const insert = db.prepare(
    'INSERT INTO output_blocks (task_id, first_seq, last_seq, offset, bytes, codec, chunks, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const from = db.prepare<[string, number], BlockRow>(
    `SELECT first_seq AS firstSeq, last_seq AS lastSeq, offset, bytes, codec, chunks, data
       FROM output_blocks WHERE task_id = ? AND last_seq >= ? ORDER BY last_seq`,
  );
  s = {
    insert(taskId, b) {
      insert.run(taskId, b.firstSeq, b.lastSeq, b.offset, b.bytes, b.codec, b.chunks, b.data);
    },
    blocksFrom: (taskId, fromSeq) => from.iterate(taskId, fromSeq),
  };
  prepared.set(db, s);
  return s;
}

/**
 * Chunks of a task's output from `fromSeq` on, at most `limit`, as the API, `logs` and mail have always read them:
 * each with its seq, offset, stream, text and time. Blocks are read and decompressed only as far as needed.
 */
export function readOutput(db: Db, taskId: string, fromSeq: number, limit: number): StoredChunk[] {
  const out: StoredChunk[] = [];
  if (limit <= 0) return out;
  const blocks = outputStatements(db).blocksFrom(taskId, fromSeq);
  try {
    for (const block of blocks) {
      for (const c of decodeBlock(block)) {
        if (c.seq < fromSeq) continue;
        out.push({ seq: c.seq, offset: c.offset, stream: c.stream, data: c.data.toString('utf8'), at: c.at });
        if (out.length >= limit) return out;
      }
    }
  } finally {
    blocks.return?.();
  }
  return out;
}
