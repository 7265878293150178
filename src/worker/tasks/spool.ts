import { closeSync, fstatSync, ftruncateSync, openSync, readSync, rmSync, writeSync, writevSync } from 'node:fs';
import path from 'node:path';
import { encodeOutputFrame, frameSeq, type OutputFrame } from '../../protocol/output-frame.js';
import { readLegacySpool } from './legacy-spool.js';

/** Unacknowledged chunks kept in memory; past this the spool file alone holds them (a long hub outage). */
const MEMORY_CAP_BYTES = 16 * 1024 * 1024;
/** Each record in the file: its frame's length (4 bytes, big-endian), then the frame as it goes on the wire. */
const LENGTH_BYTES = 4;
/** Enough of a record to read its frame's seq: length, kind, stream, id length, a 32-byte id, seq. */
const PEEK_BYTES = LENGTH_BYTES + 3 + 32 + 4;

/** A spooled chunk: its seq and its binary frame, encoded once and used as is for the spool file and the wire. */
export interface SpooledChunk {
  seq: number;
  frame: Buffer;
}

/**
 * One task's output spool: every chunk is appended to a file before it is sent, and stays until the hub
 * acknowledges it. After a reconnect (or a worker restart) everything past the last acknowledgement is replayed from
 * here, so the hub ends up with every chunk exactly once.
 */
export class TaskSpool {
  private readonly fd: number;
  /** File offset of each chunk's record, by seq - 1. */
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

  /**
   * Opens (or creates) the spool of a task; an existing file is indexed and a torn last record cut off. A spool a
   * worker of protocol 1 left (JSON lines) is carried over, so an upgrade loses none of its output.
   */
  static open(dir: string, taskId: string, ackedSeq = 0): TaskSpool {
    const spool = new TaskSpool(path.join(dir, `${taskId}.spool`));
    spool.ackedSeq = ackedSeq;
    spool.load();
    const legacy = path.join(dir, `${taskId}.jsonl`);
    for (const chunk of readLegacySpool(legacy)) if (chunk.seq === spool.lastSeq + 1) spool.append(chunk, chunk.data);
    rmSync(legacy, { force: true });
    return spool;
  }

  /** Indexes the records by reading only their heads; stops at the first record that is torn or out of order. */
  private load(): void {
    const fileSize = fstatSync(this.fd).size;
    const head = Buffer.alloc(PEEK_BYTES);
    let pos = 0;
    while (pos + LENGTH_BYTES <= fileSize) {
      const got = readSync(this.fd, head, 0, PEEK_BYTES, pos);
      const length = head.readUInt32BE(0);
      if (got < LENGTH_BYTES + 3 || pos + LENGTH_BYTES + length > fileSize) break; // cut short by a crash
      const frame = head.subarray(LENGTH_BYTES, got);
      if (frame.length < 3 + frame[2]! + 4 || frameSeq(frame) !== this.lastSeq + 1) break;
      this.offsets[this.lastSeq] = pos;
      this.lastSeq++;
      pos += LENGTH_BYTES + length;
    }
    if (pos < fileSize) ftruncateSync(this.fd, pos);
    this.size = pos;
    this.overflow = this.lastSeq > this.ackedSeq; // replay these from disk
  }

  /** Appends a chunk (synchronously: ordering and durability against a worker crash are then trivial). */
  append(chunk: Omit<OutputFrame, 'data'>, data: string | Buffer): void {
    // After close (worker shutdown) a late line from a dying process has nowhere to go; the task is reported lost.
    if (this.closed) return;
    const frame = encodeOutputFrame(chunk, data);
    const length = Buffer.allocUnsafe(LENGTH_BYTES);
    length.writeUInt32BE(frame.length);
    let written = writevSync(this.fd, [length, frame]);
    // A regular file takes the whole write; should it not, the rest follows (a torn record would end the spool).
    while (written < LENGTH_BYTES + frame.length) {
      const rest = Buffer.concat([length, frame]).subarray(written);
      written += writeSync(this.fd, rest);
    }
    this.offsets[chunk.seq - 1] = this.size;
    this.size += written;
    this.lastSeq = chunk.seq;
    if (!this.overflow) {
      this.memory.push({ seq: chunk.seq, frame });
      this.memoryBytes += frame.length;
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
    while (this.memory.length && this.memory[0]!.seq <= this.ackedSeq) this.memoryBytes -= this.memory.shift()!.frame.length;
    if (this.overflow && this.ackedSeq >= this.lastSeq) this.overflow = false;
  }

  /** Chunks from `fromSeq` on, about `maxBytes` of frames at most (at least one chunk). */
  read(fromSeq: number, maxBytes: number): SpooledChunk[] {
    if (fromSeq > this.lastSeq) return [];
    if (!this.overflow && this.memory.length && this.memory[0]!.seq <= fromSeq) {
      const start = fromSeq - this.memory[0]!.seq;
      const out: SpooledChunk[] = [];
      let bytes = 0;
      for (let i = start; i < this.memory.length && (out.length === 0 || bytes < maxBytes); i++) {
        out.push(this.memory[i]!);
        bytes += this.memory[i]!.frame.length;
      }
      return out;
    }
    return this.readFromDisk(fromSeq, maxBytes);
  }

  /** Reads whole records from the file; each record's seq is known from the index. */
  private readFromDisk(fromSeq: number, maxBytes: number): SpooledChunk[] {
    const out: SpooledChunk[] = [];
    let bytes = 0;
    for (let seq = fromSeq; seq <= this.lastSeq && (out.length === 0 || bytes < maxBytes); seq++) {
      const start = this.offsets[seq - 1];
      if (start === undefined) break;
      const end = this.offsets[seq] ?? this.size;
      const frame = Buffer.allocUnsafe(end - start - LENGTH_BYTES);
      readSync(this.fd, frame, 0, frame.length, start + LENGTH_BYTES);
      out.push({ seq, frame });
      bytes += frame.length;
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
