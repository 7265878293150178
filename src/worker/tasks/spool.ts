import { closeSync, openSync, readFileSync, readSync, rmSync, writeSync, ftruncateSync, fstatSync } from 'node:fs';
import path from 'node:path';
import { OutputChunk } from '../../protocol/tasks.js';

/** Unacknowledged chunks kept in memory; past this the spool file alone holds them (a long hub outage). */
const MEMORY_CAP_BYTES = 16 * 1024 * 1024;

/** A spooled chunk: its seq and its JSON text, encoded once and used as is for the spool file and the wire. */
export interface SpooledChunk {
  seq: number;
  json: string;
}

/** The `task.output` frame for a spooled chunk, without encoding the chunk again. */
export function outputFrame(chunk: SpooledChunk): string {
  return `{"type":"task.output","chunk":${chunk.json}}`;
}

/**
 * One task's output spool: every chunk is appended to a file before it is sent, and stays until the hub
 * acknowledges it. After a reconnect (or a worker restart) everything past the last acknowledgement is replayed from
 * here, so the hub ends up with every chunk exactly once.
 */
export class TaskSpool {
  private readonly fd: number;
  /** File offset of each chunk's line, by seq - 1. */
  private readonly offsets: number[] = [];
  private size = 0;
  private memory: SpooledChunk[] = [];
  private memoryBytes = 0;
  private overflow = false;
  lastSeq = 0;
  ackedSeq = 0;
  private closed = false;

  private constructor(readonly file: string) {
    this.fd = openSync(file, 'a+', 0o600);
  }

  /** Opens (or creates) the spool of a task; an existing file is indexed and a torn last line cut off. */
  static open(dir: string, taskId: string, ackedSeq = 0): TaskSpool {
    const spool = new TaskSpool(path.join(dir, `${taskId}.jsonl`));
    spool.ackedSeq = ackedSeq;
    spool.load();
    return spool;
  }

  private load(): void {
    const text = readFileSync(this.file, 'utf8');
    if (!text) return;
    let pos = 0;
    let good = 0;
    for (const line of text.split('\n')) {
      const bytes = Buffer.byteLength(line) + 1;
      if (!line) break;
      try {
        const chunk = OutputChunk.parse(JSON.parse(line));
        this.offsets[chunk.seq - 1] = pos;
        this.lastSeq = chunk.seq;
        good = pos + bytes;
      } catch {
        break; // a line cut short by a crash: everything after it is discarded
      }
      pos += bytes;
    }
    if (good < fstatSync(this.fd).size) ftruncateSync(this.fd, good);
    this.size = good;
    this.overflow = this.lastSeq > this.ackedSeq; // replay these from disk
  }

  /** Appends a chunk (synchronously: ordering and durability against a worker crash are then trivial). */
  append(chunk: OutputChunk): void {
    // After close (worker shutdown) a late line from a dying process has nowhere to go; the task is reported lost.
    if (this.closed) return;
    const json = JSON.stringify(chunk);
    const bytes = writeSync(this.fd, json + '\n');
    this.offsets[chunk.seq - 1] = this.size;
    this.size += bytes;
    this.lastSeq = chunk.seq;
    if (!this.overflow) {
      this.memory.push({ seq: chunk.seq, json });
      this.memoryBytes += json.length;
      if (this.memoryBytes > MEMORY_CAP_BYTES) {
        this.overflow = true;
        this.memory = [];
        this.memoryBytes = 0;
      }
    }
  }

  /** Everything up to `seq` is stored on the hub. */
  ack(seq: number): void {
    if (seq <= this.ackedSeq) return;
    this.ackedSeq = Math.min(seq, this.lastSeq);
    while (this.memory.length && this.memory[0]!.seq <= this.ackedSeq) this.memoryBytes -= this.memory.shift()!.json.length;
    if (this.overflow && this.ackedSeq >= this.lastSeq) this.overflow = false;
  }

  /** Chunks from `fromSeq` on, about `maxBytes` of JSON at most (at least one chunk). */
  read(fromSeq: number, maxBytes: number): SpooledChunk[] {
    if (fromSeq > this.lastSeq) return [];
    if (!this.overflow && this.memory.length && this.memory[0]!.seq <= fromSeq) {
      const start = fromSeq - this.memory[0]!.seq;
      const out: SpooledChunk[] = [];
      let bytes = 0;
      for (let i = start; i < this.memory.length && (out.length === 0 || bytes < maxBytes); i++) {
        out.push(this.memory[i]!);
        bytes += this.memory[i]!.json.length;
      }
      return out;
    }
    return this.readFromDisk(fromSeq, maxBytes);
  }

  /** Reads whole lines from the file; each line's seq is known from the index, so none is parsed. */
  private readFromDisk(fromSeq: number, maxBytes: number): SpooledChunk[] {
    const out: SpooledChunk[] = [];
    let bytes = 0;
    for (let seq = fromSeq; seq <= this.lastSeq && (out.length === 0 || bytes < maxBytes); seq++) {
      const start = this.offsets[seq - 1];
      if (start === undefined) break;
      const end = this.offsets[seq] ?? this.size;
      const line = Buffer.alloc(end - start - 1); // without its newline
      readSync(this.fd, line, 0, line.length, start);
      out.push({ seq, json: line.toString('utf8') });
      bytes += line.length;
    }
    return out;
  }

  /** Closes the file and deletes it (the task is recorded and every chunk acknowledged). */
  remove(): void {
    this.close();
    rmSync(this.file, { force: true });
  }

  close(): void {
    this.closed = true;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}
