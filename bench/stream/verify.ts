import Database from 'better-sqlite3';
import path from 'node:path';
import { readOutput } from '../../src/hub/tasks/task-store.js';
import { parseFloodSummary } from './flood-spec.js';
import type { TaskView } from './hub-api.js';

/** What the hub's database holds for one task, read back as the API reads it. */
interface StoredTask {
  chunks: number;
  minSeq: number;
  maxSeq: number;
  bytes: number;
  stdoutBytes: number;
  /** Chunks whose offset is not the previous chunk's offset plus its size (a hole or an overlap). */
  offsetBreaks: number;
  /** The last few thousand characters of its stdout: the agent's summary line is there. */
  stdoutTail: string;
}

/** The outcome of checking the stored output against what the agents say they wrote. */
export interface Verification {
  /** Bytes the agents wrote to stdout, by their own count (summary lines). */
  agentBytes: number;
  /** Bytes in the hub's database for these tasks: stdout alone, and all streams (with PIA's progress events). */
  storedStdoutBytes: number;
  storedBytes: number;
  /** Agent CPU by the agents' own count, in seconds. */
  agentCpuS: number;
  /** Each disagreement, in words; empty when every byte is accounted for. */
  mismatches: string[];
}

const TAIL_CHARS = 4000;

/** Reads one task's output with the hub's own reader (whatever the storage format), page by page. */
function readTask(db: Database.Database, taskId: string): StoredTask | undefined {
  let t: StoredTask | undefined;
  let nextOffset = 0;
  for (let from = 1; ; ) {
    const page = readOutput(db, taskId, from, 1000);
    if (page.length === 0) return t;
    for (const c of page) {
      const size = Buffer.byteLength(c.data);
      t ??= { chunks: 0, minSeq: c.seq, maxSeq: c.seq, bytes: 0, stdoutBytes: 0, offsetBreaks: 0, stdoutTail: '' };
      if (c.offset !== nextOffset) t.offsetBreaks++;
      nextOffset = c.offset + size;
      t.chunks++;
      t.maxSeq = c.seq;
      t.bytes += size;
      if (c.stream === 'stdout') {
        t.stdoutBytes += size;
        t.stdoutTail = (t.stdoutTail + c.data.slice(-TAIL_CHARS)).slice(-TAIL_CHARS);
      }
    }
    from = page[page.length - 1]!.seq + 1;
  }
}

/**
 * Checks every task: it succeeded; its stored stdout is exactly what the agent says it wrote (its last line); its
 * chunks are numbered 1..n with no hole; its offsets follow on; the hub's own `outputBytes` agrees with what is
 * stored. Also checks that the hub's byte counter rose by exactly the stored total. Reads the hub's SQLite file
 * read-only, after the hub stopped.
 */
export function verifyStored(dataDir: string, tasks: readonly TaskView[], counterDelta: number): Verification {
  const db = new Database(path.join(dataDir, 'pia.db'), { readonly: true, fileMustExist: true });
  const mismatches: string[] = [];
  let agentBytes = 0;
  let storedStdoutBytes = 0;
  let storedBytes = 0;
  let agentCpuS = 0;
  try {
    for (const task of tasks) {
      const s = readTask(db, task.id);
      if (task.state !== 'succeeded') mismatches.push(`${task.id} on ${task.machine}: ${task.state}${task.error ? ` (${task.error})` : ''}`);
      if (!s) {
        mismatches.push(`${task.id}: no output stored at all`);
        continue;
      }
      const report = parseFloodSummary(s.stdoutTail);
      if (!report) mismatches.push(`${task.id}: no flood summary line at the end of its stored stdout (the agent did not finish?)`);
      storedStdoutBytes += s.stdoutBytes;
      storedBytes += s.bytes;
      if (report) {
        agentBytes += report.totalBytes;
        agentCpuS += report.cpuMs / 1000;
        if (s.stdoutBytes !== report.totalBytes) mismatches.push(`${task.id}: agent wrote ${report.totalBytes} bytes, hub stored ${s.stdoutBytes} of stdout`);
      }
      if (s.minSeq !== 1 || s.maxSeq !== s.chunks) mismatches.push(`${task.id}: chunks ${s.minSeq}..${s.maxSeq} but ${s.chunks} stored (a hole or a duplicate)`);
      if (s.offsetBreaks) mismatches.push(`${task.id}: ${s.offsetBreaks} chunk offsets do not follow on from the previous chunk`);
      if (task.outputBytes !== s.bytes || task.outputSeq !== s.maxSeq) {
        mismatches.push(`${task.id}: task says ${task.outputBytes} bytes / seq ${task.outputSeq}, storage holds ${s.bytes} / seq ${s.maxSeq}`);
      }
    }
  } finally {
    db.close();
  }
  if (counterDelta !== storedBytes) mismatches.push(`pia_output_bytes_total rose by ${counterDelta}, stored output of these tasks is ${storedBytes}`);
  return { agentBytes, storedStdoutBytes, storedBytes, agentCpuS, mismatches };
}
