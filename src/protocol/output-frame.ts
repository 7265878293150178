import { isUtf8 } from 'node:buffer';
import { CloseCode } from './close-codes.js';
import type { Decoded } from './codec.js';
import type { OutputStream } from './tasks.js';

/**
 * Task output travels from worker to hub as binary WebSocket frames: a small header, then the output's bytes as
 * they are (UTF-8). Every other message stays JSON, parsed with zod. This is most of the bytes on a link: no JSON
 * escaping on the worker, no JSON parse of a 64 KB string on the hub, no copy of the data on either side.
 *
 * Layout (integers big-endian):
 *
 * | bytes | field |
 * |---|---|
 * | 1 | kind: 1 = output chunk |
 * | 1 | stream: 0 stdout, 1 stderr, 2 event |
 * | 1 | n: length of the task id (8-32) |
 * | n | task id (a-z, 0-9) |
 * | 4 | seq (1, 2, 3... per task) |
 * | 6 | offset of the chunk in the task's whole output |
 * | 6 | at: when the worker read it (epoch ms) |
 * | rest | the data, valid UTF-8, at most 1 MiB |
 */
export interface OutputFrame {
  taskId: string;
  seq: number;
  offset: number;
  stream: OutputStream;
  at: number;
  data: Buffer;
}

/** The first byte of an output frame. */
export const OUTPUT_FRAME_KIND = 1;
/** The largest data one frame may carry (as the JSON chunk allowed before). */
export const MAX_OUTPUT_DATA_BYTES = 1024 * 1024;

const streams: readonly OutputStream[] = ['stdout', 'stderr', 'event'];
const FIXED = 3 + 4 + 6 + 6;
const MAX_U48 = 2 ** 48 - 1;

/** Whether `b` is a byte of a task id (a-z, 0-9). */
const idByte = (b: number) => (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39);

/**
 * Encodes a chunk as one frame. `data` is written straight into the frame's buffer (one UTF-8 encoding, no copy).
 * Throws on values the layout cannot hold; the worker's own chunks always fit.
 */
export function encodeOutputFrame(chunk: Omit<OutputFrame, 'data'>, data: string | Buffer): Buffer {
  const id = chunk.taskId;
  const dataBytes = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
  if (id.length < 8 || id.length > 32 || !/^[a-z0-9]+$/.test(id)) throw new RangeError(`not a task id: ${id.slice(0, 40)}`);
  if (!Number.isInteger(chunk.seq) || chunk.seq < 1 || chunk.seq > 0xffffffff) throw new RangeError(`chunk seq out of range: ${chunk.seq}`);
  for (const [name, v] of [['offset', chunk.offset], ['at', chunk.at]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > MAX_U48) throw new RangeError(`chunk ${name} out of range: ${v}`);
  }
  const head = FIXED + id.length;
  const frame = Buffer.allocUnsafe(head + dataBytes);
  frame[0] = OUTPUT_FRAME_KIND;
  frame[1] = streams.indexOf(chunk.stream);
  frame[2] = id.length;
  frame.write(id, 3, 'latin1');
  let at = 3 + id.length;
  frame.writeUInt32BE(chunk.seq, at);
  frame.writeUIntBE(chunk.offset, at + 4, 6);
  frame.writeUIntBE(chunk.at, at + 10, 6);
  at += 16;
  if (typeof data === 'string') frame.write(data, at, 'utf8');
  else data.copy(frame, at);
  return frame;
}

/** The seq of an encoded frame (the worker's spool indexes its file by it without decoding the rest). */
export function frameSeq(frame: Buffer): number {
  return frame.readUInt32BE(3 + frame[2]!);
}

const bad = (reason: string): Decoded<OutputFrame> => ({ ok: false, code: CloseCode.invalidOutputFrame, reason });

/**
 * Decodes a binary frame from a worker, checking every field: a frame that is short, of another kind, with a bad
 * task id, seq or stream, too much data, or data that is not UTF-8 is refused with `invalidOutputFrame` and a
 * reason. The data is a view into the frame, not a copy.
 */
export function decodeOutputFrame(frame: Buffer): Decoded<OutputFrame> {
  if (frame.length < FIXED) return bad(`output frame of ${frame.length} bytes is shorter than its header`);
  if (frame[0] !== OUTPUT_FRAME_KIND) return bad(`unknown binary frame kind ${frame[0]}`);
  const stream = streams[frame[1]!];
  if (!stream) return bad(`unknown output stream ${frame[1]}`);
  const n = frame[2]!;
  if (n < 8 || n > 32) return bad(`task id of ${n} bytes; a task id is 8-32 of a-z and 0-9`);
  const head = FIXED + n;
  if (frame.length < head) return bad(`output frame of ${frame.length} bytes is shorter than its header`);
  for (let i = 3; i < 3 + n; i++) if (!idByte(frame[i]!)) return bad('a task id is 8-32 of a-z and 0-9');
  const taskId = frame.toString('latin1', 3, 3 + n);
  const seq = frame.readUInt32BE(3 + n);
  if (seq < 1) return bad('chunk seq must be 1 or more');
  const offset = frame.readUIntBE(7 + n, 6);
  const at = frame.readUIntBE(13 + n, 6);
  const data = frame.subarray(head);
  if (data.length > MAX_OUTPUT_DATA_BYTES) return bad(`output data of ${data.length} bytes; at most ${MAX_OUTPUT_DATA_BYTES} per chunk`);
  if (!isUtf8(data)) return bad('output data is not valid UTF-8');
  return { ok: true, message: { taskId, seq, offset, stream, at, data } };
}
