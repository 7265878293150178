import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../../src/protocol/close-codes.js';
import { decodeOutputFrame, encodeOutputFrame, frameSeq, MAX_OUTPUT_DATA_BYTES } from '../../../src/protocol/output-frame.js';

const meta = { taskId: 'k3x9q2mfab', seq: 7, offset: 123_456_789_012, stream: 'stderr' as const, at: 1_765_000_000_123 };

describe('binary output frames', () => {
  it('carry a chunk and its bytes as they are, from a string or a buffer', () => {
    const text = 'line 1\nüñï 漢字 🙂\n';
    for (const data of [text, Buffer.from(text)]) {
      const frame = encodeOutputFrame(meta, data);
      expect(frame.length).toBe(3 + 10 + 16 + Buffer.byteLength(text));
      expect(frameSeq(frame)).toBe(7);
      const decoded = decodeOutputFrame(frame);
      expect(decoded.ok).toBe(true);
      if (!decoded.ok) return;
      expect({ ...decoded.message, data: decoded.message.data.toString() }).toEqual({ ...meta, data: text });
      // The data is a view of the frame, not a copy.
      expect(decoded.message.data.buffer).toBe(frame.buffer);
    }
  });

  it('takes empty data and data of exactly the limit, refuses a byte more', () => {
    expect(decodeOutputFrame(encodeOutputFrame(meta, '')).ok).toBe(true);
    expect(decodeOutputFrame(encodeOutputFrame(meta, Buffer.alloc(MAX_OUTPUT_DATA_BYTES, 0x61))).ok).toBe(true);
    const over = decodeOutputFrame(encodeOutputFrame(meta, Buffer.alloc(MAX_OUTPUT_DATA_BYTES + 1, 0x61)));
    expect(over).toMatchObject({ ok: false, code: CloseCode.invalidOutputFrame, reason: expect.stringMatching(/at most 1048576/) });
  });

  it.each([
    ['empty', () => Buffer.alloc(0), /shorter than its header/],
    ['a header cut short', (f: Buffer) => f.subarray(0, 20), /shorter than its header/],
    ['another kind', (f: Buffer) => (f.writeUInt8(2, 0), f), /unknown binary frame kind 2/],
    ['an unknown stream', (f: Buffer) => (f.writeUInt8(3, 1), f), /unknown output stream 3/],
    ['a task id too short', (f: Buffer) => (f.writeUInt8(7, 2), f), /task id of 7 bytes/],
    ['a task id too long', (f: Buffer) => (f.writeUInt8(33, 2), f), /task id of 33 bytes/],
    ['a task id with a capital', (f: Buffer) => (f.writeUInt8(0x41, 5), f), /a task id is 8-32/],
    ['a task id with a slash', (f: Buffer) => (f.writeUInt8(0x2f, 3), f), /a task id is 8-32/],
    ['seq 0', (f: Buffer) => (f.writeUInt32BE(0, 13), f), /seq must be 1 or more/],
    ['data that is not UTF-8', (f: Buffer) => Buffer.concat([f.subarray(0, 29), Buffer.from([0xed, 0xa0, 0x80])]), /not valid UTF-8/],
  ])('refuses %s with the output-frame close code', (_name, mutate, reason) => {
    const decoded = decodeOutputFrame(mutate(encodeOutputFrame(meta, 'data\n')));
    expect(decoded).toMatchObject({ ok: false, code: CloseCode.invalidOutputFrame, reason: expect.stringMatching(reason) });
    if (!decoded.ok) expect(Buffer.byteLength(decoded.reason)).toBeLessThanOrEqual(123);
  });

  it('will not encode what the layout cannot hold', () => {
    expect(() => encodeOutputFrame({ ...meta, taskId: 'short' }, 'x')).toThrow(/not a task id/);
    expect(() => encodeOutputFrame({ ...meta, seq: 2 ** 32 }, 'x')).toThrow(/seq out of range/);
    expect(() => encodeOutputFrame({ ...meta, offset: 2 ** 48 }, 'x')).toThrow(/offset out of range/);
    expect(() => encodeOutputFrame({ ...meta, at: -1 }, 'x')).toThrow(/at out of range/);
  });
});
