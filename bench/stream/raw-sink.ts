/**
 * Child-process entry of the raw baseline's sink: a bare `ws` server on loopback that counts the payload bytes
 * of every frame and throws them away. Nothing is parsed or stored: this is the transport's floor, the cost PIA
 * adds on top of it is what the benchmark compares.
 */
import { WebSocketServer } from 'ws';
import { FromSink, ToSink } from './raw-ipc.js';

let bytes = 0;
let frames = 0;
let lastAt = 0;

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
wss.on('connection', (ws) => {
  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
    bytes += Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data instanceof ArrayBuffer ? data.byteLength : data.length;
    frames++;
    lastAt = Date.now();
  });
});

function send(message: FromSink): void {
  process.send?.(FromSink.parse(message));
}

wss.on('listening', () => {
  const address = wss.address();
  send({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
});

process.on('message', (raw: unknown) => {
  if (ToSink.safeParse(raw).success) send({ type: 'count', bytes, frames, lastAt, at: Date.now() });
});

// The benchmark went away: never outlive it.
process.on('disconnect', () => process.exit(0));
