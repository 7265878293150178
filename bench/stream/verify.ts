import Database from 'better-sqlite3';
import path from 'node:path';
import { parseFloodSummary } from './flood-spec.js';
import type { TaskView } from './hub-api.js';

/** What the hub's database holds for one task. */
interface StoredTask {
  chunks: number;
  minSeq: number;
  maxSeq: number;
  bytes: number;
  stdoutBytes: number;
  /** Chunks whose offset is not the previous chunk's offset plus its size (a hole or an overlap). */
  offsetBreaks: number;
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

/** Reads per-task totals from the hub's SQLite file (read-only; the hub may still hold it in WAL mode). */
function readStored(dataDir: string): Map<string, StoredTask> {
  const db = new Database(path.join(dataDir, 'pia.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        `SELECT task_id AS taskId, seq, offset, stream, length(CAST(data AS BLOB)) AS size
           FROM task_output ORDER BY task_id, seq`,
      )
      .all() as { taskId: string; seq: number; offset: number; stream: string; size: number }[];
    const out = new Map<string, StoredTask>();
    let nextOffset = 0;
    for (const r of rows) {
      let t = out.get(r.taskId);
      if (!t) {
        out.set(r.taskId, (t = { chunks: 0, minSeq: r.seq, maxSeq: r.seq, bytes: 0, stdoutBytes: 0, offsetBreaks: 0 }));
        nextOffset = 0;
      }
      if (r.offset !== nextOffset) t.offsetBreaks++;
      nextOffset = r.offset + r.size;
      t.chunks++;
      t.maxSeq = r.seq;
      t.bytes += r.size;
      if (r.stream === 'stdout') t.stdoutBytes += r.size;
    }
    return out;
  } finally {
    db.close();
  }
}

/**
 * Checks every task: it succeeded; its stored stdout is exactly what the agent says it wrote; its chunks are
 * numbered 1..n with no hole; its offsets follow on; the hub's own `outputBytes` agrees with the rows. Also checks
 * that the hub's byte counter rose by exactly the stored total.
 */
export function verifyStored(dataDir: string, tasks: readonly TaskView[], counterDelta: number): Verification {
  const stored = readStored(dataDir);
  const mismatches: string[] = [];
  let agentBytes = 0;
  let storedStdoutBytes = 0;
  let storedBytes = 0;
  let agentCpuS = 0;
  for (const task of tasks) {
    const s = stored.get(task.id);
    const report = parseFloodSummary(task.summary ?? '');
    if (task.state !== 'succeeded') mismatches.push(`${task.id} on ${task.machine}: ${task.state}${task.error ? ` (${task.error})` : ''}`);
    if (!report) mismatches.push(`${task.id}: no flood summary line in the task summary (the agent did not finish?)`);
    if (!s) {
      mismatches.push(`${task.id}: no output stored at all`);
      continue;
    }
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
      mismatches.push(`${task.id}: task says ${task.outputBytes} bytes / seq ${task.outputSeq}, rows hold ${s.bytes} / seq ${s.maxSeq}`);
    }
  }
  if (counterDelta !== storedBytes) mismatches.push(`pia_output_bytes_total rose by ${counterDelta}, rows of these tasks hold ${storedBytes}`);
  return { agentBytes, storedStdoutBytes, storedBytes, agentCpuS, mismatches };
}
