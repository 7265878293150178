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

/** 0: the data as it is; 1: the data raw-deflated; 2: the data and the chunk table raw-deflated. */
export type Codec = 0 | 1 | 2;

/** Compresses a block's data; throws on failure (the block is then stored as it is). */
export type Compress = (data: Buffer) => Buffer;

/** Raw deflate at level 1: about 0.5 GB/s on one core for typical output, a few times smaller. */
export const deflateFast: Compress = (data) => deflateRawSync(data, { level: 1 });

const streams: readonly OutputStream[] = ['stdout', 'stderr', 'event'];
const META = 11;
/** Below this, compression saves less than it costs (and deflate's own overhead can make it bigger). */
const MIN_COMPRESS_BYTES = 256;
/** A chunk table of this many chunks or more is deflated too (a merged block of small chunks: mostly table). */
const PACK_TABLE_CHUNKS = 8;

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
  let table: Buffer = meta;
  let codec: Codec = 0;
  let failed = false;
  if (bytes >= MIN_COMPRESS_BYTES) {
    try {
      const packed = compress(raw);
      if (packed.length < raw.length) {
        data = packed;
        codec = 1;
        if (chunks.length >= PACK_TABLE_CHUNKS) {
          table = compress(meta);
          codec = 2;
        }
      }
    } catch {
      failed = true;
    }
  }
  return { firstSeq, lastSeq: firstSeq + chunks.length - 1, offset, bytes, codec, chunks: table, data, failed };
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
  const data = block.codec === 0 ? block.data : inflateRawSync(block.data);
  const table = block.codec === 2 ? inflateRawSync(block.chunks) : block.chunks;
  if (table.length % META !== 0) throw new Error(`output block of seq ${block.firstSeq} is damaged: a chunk table of ${table.length} bytes`);
  const out: DecodedChunk[] = [];
  let pos = 0;
  for (let i = 0; i * META < table.length; i++) {
    const length = table.readUInt32BE(i * META + 7);
    out.push({
      seq: block.firstSeq + i,
      offset: block.offset + pos,
      stream: streams[table[i * META]!] ?? 'stdout',
      at: table.readUIntBE(i * META + 1, 6),
      data: data.subarray(pos, pos + length),
    });
    pos += length;
  }
  if (pos !== data.length) throw new Error(`output block of seq ${block.firstSeq} is damaged: ${data.length} bytes for chunks of ${pos}`);
  return out;
}

/** The disk a block takes (its data and its chunk table), as `tasks.output_disk_bytes` counts it. */
export const diskBytesOf = (block: Pick<StoredBlock, 'chunks' | 'data'>) => block.chunks.length + block.data.length;
