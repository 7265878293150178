import WebSocket from 'ws';
import type { Facts } from '../../src/protocol/facts.js';
import { encodeOutputFrame } from '../../src/protocol/output-frame.js';
import { PROTOCOL_VERSION } from '../../src/protocol/messages.js';

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
  /** Messages received from the hub, parsed (an `output.ack` of several tasks as one `{type, taskId, seq}` each). */
  received: unknown[];
  /** Every text frame received from the hub, as it came. */
  frames: string[];
  next(): Promise<unknown>;
  /** The first message (received or still to come) that `match` accepts, taken out of `received`. */
  waitFor<T = Record<string, unknown>>(match: (m: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<T>;
}

/** Opens a raw WebSocket to the hub's link endpoint. */
export function rawLink(url: string, opts: WebSocket.ClientOptions = {}): RawLink {
  const ws = new WebSocket(url, { perMessageDeflate: false, ...opts });
  const received: unknown[] = [];
  const frames: string[] = [];
  const waiters: Array<(m: unknown) => void> = [];
  const matchers: Array<{ match: (m: Record<string, unknown>) => boolean; resolve: (m: unknown) => void }> = [];
  const take = (msg: unknown) => {
    const m = matchers.findIndex((x) => x.match(msg as Record<string, unknown>));
    if (m >= 0) return matchers.splice(m, 1)[0]!.resolve(msg);
    const w = waiters.shift();
    if (w) w(msg);
    else received.push(msg);
  };
  ws.on('message', (data) => {
    frames.push(data.toString());
    const msg = JSON.parse(data.toString()) as { type?: string; acks?: Array<{ taskId: string; seq: number }> };
    // One acknowledgement of several tasks is seen as one message per task (`frames` keeps the wire's own).
    if (msg.type === 'output.ack' && Array.isArray(msg.acks)) for (const a of msg.acks) take({ type: 'output.ack', ...a });
    else take(msg);
  });
  ws.on('error', () => undefined);
  return {
    ws,
    received,
    frames,
    opened: new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    }),
    closed: new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }))),
    next() {
      if (received.length) return Promise.resolve(received.shift());
      return new Promise((resolve) => waiters.push(resolve));
    },
    waitFor<T>(match: (m: Record<string, unknown>) => boolean, timeoutMs = 5000): Promise<T> {
      const i = received.findIndex((m) => match(m as Record<string, unknown>));
      if (i >= 0) return Promise.resolve(received.splice(i, 1)[0] as T);
      return new Promise<T>((resolve, reject) => {
        const entry = {
          match,
          resolve: (m: unknown) => {
            clearTimeout(timer);
            resolve(m as T);
          },
        };
        const timer = setTimeout(() => {
          matchers.splice(matchers.indexOf(entry), 1);
          reject(new Error(`no matching message from the hub within ${timeoutMs} ms`));
        }, timeoutMs);
        matchers.push(entry);
      });
    },
  };
}

/** A hand-driven link that has said hello and got its welcome: a machine the test speaks for frame by frame. */
export interface RawMachine {
  link: RawLink;
  name: string;
  /** The per-machine secret, for linking again after the hub closed this link. */
  secret: string;
}

/**
 * Links a machine by hand with a join token (`POST /api/machines` first) or a secret, and waits for the welcome.
 * `running` lists the tasks it says it still runs (its ledger): the hub records the others it had given it as lost.
 */
export async function linkRaw(
  url: string,
  name: string,
  auth: { kind: 'join'; token: string } | { kind: 'secret'; secret: string },
  running: string[] = [],
): Promise<RawMachine> {
  const link = rawLink(url);
  await link.opened;
  const ledger = running.map((taskId) => ({ taskId, state: 'running' }));
  link.ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, auth, facts: sampleFacts(name), maxTasks: 4, ledger }));
  const welcome = await link.waitFor<{ secret?: string }>((m) => m.type === 'welcome');
  const secret = auth.kind === 'secret' ? auth.secret : welcome.secret;
  if (!secret) throw new Error('the hub sent no secret for a join');
  return { link, name, secret };
}

/** A chunk of task output as a worker sends it: a binary frame (ws sends a Buffer as binary). */
export function outputFrame(taskId: string, seq: number, data: string, stream: 'stdout' | 'stderr' | 'event' = 'stdout', offset = 0): Buffer {
  return encodeOutputFrame({ taskId, seq, offset, stream, at: Date.now() }, data);
}
