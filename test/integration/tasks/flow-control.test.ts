import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { PROTOCOL_VERSION } from '../../../src/protocol/messages.js';
import { decodeOutputFrame } from '../../../src/protocol/output-frame.js';
import { until } from '../../helpers/wait.js';
import { fakeAgentEnv, testWorker } from '../../helpers/worker.js';

// A hub that reads but does not acknowledge: the worker must stop reading the agent's output after a small window
// (the agent's writes block, as on a slow terminal) and go on as soon as acknowledgements come.
let wss: WebSocketServer;
let hub: WebSocket | undefined;
const outputs: Array<{ seq: number; bytes: number }> = [];
let finished: { lastSeq: number; state: string } | undefined;

beforeAll(async () => {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', (ws) => {
    hub = ws;
    ws.on('message', (raw, isBinary) => {
      if (isBinary) {
        // Task output: a binary frame, decoded as the hub decodes it.
        const decoded = decodeOutputFrame(raw as Buffer);
        if (!decoded.ok) throw new Error(decoded.reason);
        if (decoded.message.stream === 'stdout') outputs.push({ seq: decoded.message.seq, bytes: decoded.message.data.length });
        return;
      }
      const m = JSON.parse(raw.toString());
      if (m.type === 'hello') ws.send(JSON.stringify({ type: 'welcome', protocol: PROTOCOL_VERSION, machine: 'slow', secret: 'pia_s_test', heartbeatS: 60 }));
      if (m.type === 'task.finished') finished = m.outcome;
    });
  });
});

afterAll(async () => {
  await new Promise((r) => wss.close(r));
});

describe('flow control', () => {
  it('a task is slowed to what the hub acknowledges, and loses nothing', async () => {
    const port = (wss.address() as { port: number }).port;
    const worker = testWorker({ hub: `ws://127.0.0.1:${port}/link`, join: 'pia_j_anything', env: fakeAgentEnv() });
    void worker.run();
    await until(() => worker.link.linked);
    hub!.send(
      JSON.stringify({
        type: 'task.assign',
        task: { id: 'flowctl0001', kind: 'run', machine: 'slow', prompt: 'lines=0 bytes=3000000', requester: 'test', origin: { kind: 'test' }, timeoutS: 60, hub: 'http://127.0.0.1' },
      }),
    );
    await until(() => outputs.length > 0, 5000);
    await new Promise((r) => setTimeout(r, 1000));
    const inFlight = outputs.reduce((n, o) => n + o.bytes, 0);
    // At most the 64 KB window plus the chunk that crossed it (and what the pipe had ready).
    expect(inFlight).toBeLessThan(300 * 1024);
    expect(finished).toBeUndefined();

    // Acknowledge as chunks come: the rest flows and the task ends with every byte sent once.
    const acker = setInterval(() => {
      const last = outputs.at(-1)?.seq ?? 0;
      hub!.send(JSON.stringify({ type: 'output.ack', acks: [{ taskId: 'flowctl0001', seq: Math.max(last, finished?.lastSeq ?? 0) }] }));
    }, 20);
    await until(() => finished, 20_000);
    clearInterval(acker);
    expect(finished).toMatchObject({ state: 'succeeded' });
    const seqs = outputs.map((o) => o.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    const total = outputs.reduce((n, o) => n + o.bytes, 0);
    // prompt and cwd lines, then the 3,000,000 filler bytes.
    expect(total).toBeGreaterThanOrEqual(3_000_000);
    hub!.send(JSON.stringify({ type: 'task.recorded', taskId: 'flowctl0001' }));
    await worker.stop();
  });
});
