import { randomBytes } from 'node:crypto';
import net from 'node:net';

/** WebSocket opcodes a hand-made frame can carry. */
export const Opcode = { text: 1, binary: 2, close: 8 } as const;

/**
 * One client frame, masked as RFC 6455 requires of a client. Built by hand so a test can send what no WebSocket
 * library would: invalid UTF-8 in a text frame, frames after a close.
 */
export function clientFrame(payload: string | Buffer, opcode: number = Opcode.text): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const len = data.length;
  const head = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const frame = Buffer.alloc(head + 4 + len);
  frame[0] = 0x80 | opcode;
  if (len < 126) frame[1] = 0x80 | len;
  else if (len < 65536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(len, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(len), 2);
  }
  const mask = randomBytes(4);
  mask.copy(frame, head);
  for (let i = 0; i < len; i++) frame[head + 4 + i] = data[i]! ^ mask[i & 3]!;
  return frame;
}

/**
 * A WebSocket client on a bare TCP socket that ignores whatever the hub answers, the close included: it stands for
 * a hostile or broken peer that goes on sending after it was told to stop.
 */
export interface RawSocket {
  socket: net.Socket;
  /** Resolves when the hub has ended its side (FIN) or reset the connection. */
  ended: Promise<void>;
  /** Resolves when the connection is gone altogether (the hub reset or destroyed it, or `destroy` was called). */
  closed: Promise<void>;
  isClosed(): boolean;
  /** The close code of the first close frame the hub sent, once one arrived. */
  closeCode(): number | undefined;
  /** Writes bytes; resolves when they are handed to the kernel (false when the connection is gone). */
  write(bytes: Buffer): Promise<boolean>;
  destroy(): void;
}

/** Opens `ws://host:port/path` by hand (`url` is the hub's link URL) and completes the upgrade. */
export async function rawSocket(url: string): Promise<RawSocket> {
  const u = new URL(url);
  // Half-open allowed: the hub's FIN does not end this side, so it can go on writing as a hostile peer would.
  const socket = net.connect({ host: u.hostname, port: Number(u.port), allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  socket.write(
    `GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  let buffered = Buffer.alloc(0);
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const status = buffered.subarray(0, buffered.indexOf('\r\n')).toString();
      if (!status.includes(' 101 ')) return reject(new Error(`upgrade refused: ${status}`));
      buffered = buffered.subarray(end + 4);
      resolve();
    };
    socket.on('data', onData);
  });
  let code: number | undefined;
  const look = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]).subarray(0, 256);
    // Server frames are unmasked; a close frame is 0x88, length, then the code.
    if (code === undefined && buffered[0] === 0x88 && buffered.length >= 4) code = buffered.readUInt16BE(2);
  };
  if (buffered.length) look(Buffer.alloc(0));
  socket.on('data', look);
  let closed = false;
  return {
    socket,
    ended: new Promise((resolve) => {
      socket.once('end', resolve);
      socket.once('close', resolve);
    }),
    closed: new Promise((resolve) =>
      socket.once('close', () => {
        closed = true;
        resolve();
      }),
    ),
    isClosed: () => closed,
    closeCode: () => code,
    write(bytes) {
      if (closed || socket.destroyed || socket.writableEnded) return Promise.resolve(false);
      return new Promise((resolve) => {
        // Resolve on the write callback: with a peer that stopped reading, this is what applies backpressure.
        socket.write(bytes, (err) => resolve(!err));
      });
    },
    destroy: () => socket.destroy(),
  };
}

/**
 * Writes `frames` again and again, as fast as the connection takes them, until the connection is gone or `ms`
 * pass; a FIN from the hub does not stop it. Returns how many frames were handed to the kernel.
 */
export async function flood(raw: RawSocket, frames: Buffer[], ms: number): Promise<number> {
  const batch = Buffer.concat(frames);
  const deadline = Date.now() + ms;
  let sent = 0;
  while (Date.now() < deadline && !raw.isClosed()) {
    const written = await Promise.race([raw.write(batch), raw.closed.then(() => false), sleep(Math.max(0, deadline - Date.now())).then(() => false)]);
    if (!written) break;
    sent += frames.length;
    // Yield to the event loop: the hub under test runs in this process, and a write loop that completes
    // synchronously would starve it, which a flooding peer on another machine could not do.
    await new Promise((r) => setImmediate(r));
  }
  return sent;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
