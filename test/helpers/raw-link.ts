import WebSocket from 'ws';
import type { Facts } from '../../src/protocol/facts.js';

/** Facts that pass the schema, for hand-made hellos. */
export function sampleFacts(hostname = 'test-host'): Facts {
  return {
    hostname,
    os: { platform: 'linux', release: '6.1.0' },
    arch: 'x64',
    cpus: 4,
    memoryBytes: 8 * 1024 ** 3,
    interfaces: [{ name: 'eth0', address: '127.0.0.2', netmask: '255.0.0.0', cidr: '127.0.0.0/8', mac: '02:00:00:00:00:02', internal: false }],
    gateway: null,
    repos: [],
    agents: [],
    workerVersion: '0.0.0-test',
  };
}

/** A hand-driven link: open a socket, send what a test wants, see how the hub closes it. */
export interface RawLink {
  ws: WebSocket;
  opened: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  /** Messages received from the hub, parsed. */
  received: unknown[];
  next(): Promise<unknown>;
}

/** Opens a raw WebSocket to the hub's link endpoint. */
export function rawLink(url: string, opts: WebSocket.ClientOptions = {}): RawLink {
  const ws = new WebSocket(url, { perMessageDeflate: false, ...opts });
  const received: unknown[] = [];
  const waiters: Array<(m: unknown) => void> = [];
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString());
    const w = waiters.shift();
    if (w) w(msg);
    else received.push(msg);
  });
  ws.on('error', () => undefined);
  return {
    ws,
    received,
    opened: new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    }),
    closed: new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }))),
    next() {
      if (received.length) return Promise.resolve(received.shift());
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}
