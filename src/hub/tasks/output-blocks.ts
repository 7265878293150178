import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { OutputStream } from '../../protocol/tasks.js';

/** One chunk of a task's output as a block holds it (seq and offset follow from the block's). */
export interface BlockChunk {
  stream: OutputStream;
  at: number;
  data: Buffer;
}

/** A block as stored: the chunks `firstSeq`..`lastSeq` of a task, their data together, maybe compressed. */
export interface StoredBlock {
  firstSeq: number;
  lastSeq: number;
  offset: number;
  /** The output's size (before compression). */
  bytes: number;
  codec: Codec;
  chunks: Buffer;
  data: Buffer;
}

/** 0: the data as it is; 1: raw deflate. */
export type Codec = 0 | 1;

/** Compresses a block's data; throws on failure (the block is then stored as it is). */
export type Compress = (data: Buffer) => Buffer;

/** Raw deflate at level 1: about 0.5 GB/s on one core for typical output, a few times smaller. */
export const deflateFast: Compress = (data) => deflateRawSync(data, { level: 1 });

const streams: readonly OutputStream[] = ['stdout', 'stderr', 'event'];
const META = 11;
/** Below this, compression saves less than it costs (and deflate's own overhead can make it bigger). */
const MIN_COMPRESS_BYTES = 256;

/**
 * Encodes chunks as a block. The data is compressed with `compress` when that makes it smaller; when it throws
 * (or does not help), the block keeps the data as it is, so a chunk that cannot be compressed is still stored.
 * `failed` tells the caller that compression threw.
 */
export function encodeBlock(firstSeq: number, offset: number, chunks: readonly BlockChunk[], compress: Compress): StoredBlock & { failed: boolean } {
  const meta = Buffer.allocUnsafe(META * chunks.length);
  let bytes = 0;
  chunks.forEach((c, i) => {
    meta[i * META] = streams.indexOf(c.stream);
    meta.writeUIntBE(c.at, i * META + 1, 6);
    meta.writeUInt32BE(c.data.length, i * META + 7);
    bytes += c.data.length;
  });
  const raw = chunks.length === 1 ? chunks[0]!.data : Buffer.concat(chunks.map((c) => c.data), bytes);
  let data = raw;
  let codec: Codec = 0;
  let failed = false;
  if (bytes >= MIN_COMPRESS_BYTES) {
    try {
      const packed = compress(raw);
      if (packed.length < raw.length) {
        data = packed;
        codec = 1;
      }
    } catch {
      failed = true;
    }
  }
  return { firstSeq, lastSeq: firstSeq + chunks.length - 1, offset, bytes, codec, chunks: meta, data, failed };
}

/** One chunk read back from a block. */
export interface DecodedChunk {
  seq: number;
  offset: number;
  stream: OutputStream;
  at: number;
  data: Buffer;
}

/** Decodes a stored block into its chunks; throws when the block is damaged (sizes that do not add up). */
export function decodeBlock(block: Pick<StoredBlock, 'firstSeq' | 'offset' | 'codec' | 'chunks' | 'data'>): DecodedChunk[] {
  const data = block.codec === 1 ? inflateRawSync(block.data) : block.data;
  const out: DecodedChunk[] = [];
  let pos = 0;
  for (let i = 0; i * META < block.chunks.length; i++) {
    const length = block.chunks.readUInt32BE(i * META + 7);
    out.push({
      seq: block.firstSeq + i,
      offset: block.offset + pos,
      stream: streams[block.chunks[i * META]!] ?? 'stdout',
      at: block.chunks.readUIntBE(i * META + 1, 6),
      data: data.subarray(pos, pos + length),
    });
    pos += length;
  }
  if (pos !== data.length) throw new Error(`output block of seq ${block.firstSeq} is damaged: ${data.length} bytes for chunks of ${pos}`);
  return out;
}

/** The disk a block takes (its data and its chunk table), as `tasks.output_disk_bytes` counts it. */
export const diskBytesOf = (block: Pick<StoredBlock, 'chunks' | 'data'>) => block.chunks.length + block.data.length;
