import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '../../../src/protocol/close-codes.js';
import { startTestHub, type TestHub } from '../../helpers/hub.js';
import { captureLog, type CapturedLog } from '../../helpers/log-lines.js';
import { linkRaw, outputFrame, sampleFacts } from '../../helpers/raw-link.js';
import { clientFrame, flood, Opcode, rawSocket } from '../../helpers/raw-socket.js';
import { nextEvent, until } from '../../helpers/wait.js';
import { PROTOCOL_VERSION } from '../../../src/protocol/messages.js';

// After a bad frame the hub fails the connection: nothing the peer sends afterwards is read, handled, logged or
// counted again, and the socket is gone within a short deadline even when the peer ignores the close.
let t: TestHub;
let captured: CapturedLog;
const refusedEvents: string[] = [];

beforeAll(async () => {
  captured = captureLog();
  t = await startTestHub({ options: { helloTimeoutMs: 200 }, log: captured.log });
  t.pia.events.on('link.refused', (e) => refusedEvents.push(e.reason));
});

afterAll(async () => {
  await t.stop();
});

async function metric(name: string, labels: string): Promise<number> {
  const { body } = await t.api<string>('GET', '/metrics');
  const m = new RegExp(`^${name}${labels.replace(/[{}]/g, (c) => `\\${c}`)} (\\d+)$`, 'm').exec(body);
  return m ? Number(m[1]) : 0;
}

/** Times `GET /api/health` until `done` says stop; returns each latency in ms. */
async function healthLatencies(done: () => boolean): Promise<number[]> {
  const times: number[] = [];
  while (!done() || times.length < 3) {
    const start = performance.now();
    const res = await fetch(`${t.httpUrl}/api/health`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    times.push(performance.now() - start);
    await new Promise((r) => setTimeout(r, 20));
  }
  return times;
}

/** True when `p` settles within `ms`. */
const within = (p: Promise<unknown>, ms: number) => Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('a connection failed for a bad frame is no longer served', () => {
  it("a worker's task.output after its bad frame is not stored", async () => {
    const { body } = await t.api<{ joinToken: string }>('POST', '/api/machines', { name: 'sloppy' });
    const m = await linkRaw(t.linkUrl, 'sloppy', { kind: 'join', token: body.joinToken });
    const created = await t.api<{ tasks: Array<{ id: string }> }>('POST', '/api/tasks', { kind: 'run', machine: 'sloppy', prompt: 'x' });
    const taskId = created.body.tasks[0]!.id;
    await m.link.waitFor((msg) => msg.type === 'task.assign');
    m.link.ws.send(JSON.stringify({ type: 'task.started', taskId, workspace: '/w', at: Date.now() }));
    const faultsBefore = await metric('pia_link_faults_total', '{reason="invalidJson"}');

    m.link.ws.send('{"type": "heartbeat", ');
    m.link.ws.send(outputFrame(taskId, 1, 'sent after the bad frame\n'));
    expect((await m.link.closed).code).toBe(CloseCode.invalidJson);

    // The same machine links again and sends its first chunk: it is stored, so nothing took its place before.
    const again = await linkRaw(t.linkUrl, 'sloppy', { kind: 'secret', secret: m.secret }, [taskId]);
    again.link.ws.send(outputFrame(taskId, 1, 'sent on the new link\n'));
    await again.link.waitFor((msg) => msg.type === 'output.ack' && msg.taskId === taskId && msg.seq === 1);
    const out = await t.api<{ chunks: Array<{ data: string }> }>('GET', `/api/tasks/${taskId}/output`);
    expect(out.body.chunks.map((c) => c.data)).toEqual(['sent on the new link\n']);
    expect(await metric('pia_link_faults_total', '{reason="invalidJson"}')).toBe(faultsBefore + 1);
    again.link.ws.close();
  });

  it('a link the hub closes (credentials revoked) is not served either: a chunk sent after it is not stored', async () => {
    const { body } = await t.api<{ joinToken: string }>('POST', '/api/machines', { name: 'revoked' });
    const enrolled = await linkRaw(t.linkUrl, 'revoked', { kind: 'join', token: body.joinToken });
    enrolled.link.ws.close();
    await enrolled.link.closed;
    const created = await t.api<{ tasks: Array<{ id: string }> }>('POST', '/api/tasks', { kind: 'run', machine: 'revoked', prompt: 'x' });
    const taskId = created.body.tasks[0]!.id;
    // A peer on a bare socket: it goes on writing whatever the hub says, as a worker that has not yet read the close would.
    const raw = await rawSocket(t.linkUrl);
    await raw.write(clientFrame(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, auth: { kind: 'secret', secret: enrolled.secret }, facts: sampleFacts('revoked') })));
    await raw.write(clientFrame(outputFrame(taskId, 1, 'before the revocation\n'), Opcode.binary));
    await until(async () => (await t.api<{ task: { outputSeq: number } }>('GET', `/api/tasks/${taskId}`)).body.task.outputSeq === 1);

    expect((await t.api('POST', '/api/machines/revoked/revoke')).status).toBe(200);
    const stored = nextEvent(t.pia.events, 'task.output', (e) => e.taskId === taskId, 300).catch(() => undefined);
    await raw.write(clientFrame(outputFrame(taskId, 2, 'after the revocation\n'), Opcode.binary));
    expect(await stored).toBeUndefined(); // nothing published within 300 ms (a stored chunk is published in ~3 ms)
    const out = await t.api<{ chunks: Array<{ data: string }> }>('GET', `/api/tasks/${taskId}/output`);
    expect(out.body.chunks.map((c) => c.data)).toEqual(['before the revocation\n']);
    raw.destroy();
  });

  it('a client that ignores the close and floods bad frames is cut off after handling one', async () => {
    const refusedBefore = await metric('pia_handshakes_refused_total', '{reason="invalidJson"}');
    const eventsBefore = refusedEvents.length;
    const linesBefore = captured.lines.length;
    const raw = await rawSocket(t.linkUrl);
    const bad = clientFrame('{"type": "hello", ');
    let flooding = true;
    const [sent, latencies] = await Promise.all([
      flood(raw, Array.from({ length: 500 }, () => bad), 3000).finally(() => (flooding = false)),
      healthLatencies(() => !flooding),
    ]);
    expect(raw.closeCode()).toBe(CloseCode.invalidJson);
    expect(sent).toBeGreaterThan(0);
    expect(refusedEvents.length - eventsBefore).toBe(1);
    expect(await metric('pia_handshakes_refused_total', '{reason="invalidJson"}')).toBe(refusedBefore + 1);
    expect(captured.lines.length - linesBefore).toBeLessThanOrEqual(3);
    expect(median(latencies)).toBeLessThan(250);
    // Stopped by the hub (the socket destroyed within its deadline), not by the flood's time limit.
    expect(await within(raw.closed, 2000)).toBe(true);
    // The hello deadline (200 ms) was cleared with the refusal: it does not refuse the socket a second time.
    await new Promise((r) => setTimeout(r, 300));
    expect(await metric('pia_handshakes_refused_total', '{reason="hello_timeout"}')).toBe(0);
    expect(refusedEvents.length - eventsBefore).toBe(1);
  });

  it('invalid UTF-8 (failed by the library itself), then a flood: cut off all the same, counted once', async () => {
    const before = await metric('pia_handshakes_refused_total', '{reason="socket_error"}');
    const raw = await rawSocket(t.linkUrl);
    const frames = [clientFrame(Buffer.from([0xff, 0xfe, 0xfd]), Opcode.text), ...Array.from({ length: 200 }, () => clientFrame(Buffer.from([0xc3, 0x28]), Opcode.text))];
    await flood(raw, frames, 3000);
    expect(await within(raw.closed, 2000)).toBe(true);
    expect(raw.closeCode()).toBe(1007);
    expect(await metric('pia_handshakes_refused_total', '{reason="socket_error"}')).toBe(before + 1);
  });

  it('many bad connections: every refusal is counted, the log gets a bounded number of lines and a summary', async () => {
    const before = await metric('pia_handshakes_refused_total', '{reason="binaryFrame"}');
    const eventsBefore = refusedEvents.length;
    const linesBefore = captured.lines.length;
    const n = 120;
    const binary = Buffer.concat(Array.from({ length: 50 }, () => clientFrame(Buffer.from([1, 2, 3]), Opcode.binary)));
    // Each writes as soon as it is open, well within the hello deadline.
    const sockets = await Promise.all(
      Array.from({ length: n }, async () => {
        const s = await rawSocket(t.linkUrl);
        await s.write(binary);
        return s;
      }),
    );
    // Generous: on a busy machine 120 handshakes take a while; what matters is that the hub ends them, unasked.
    const allEnded = await within(Promise.all(sockets.map((s) => s.ended)), 10_000);
    for (const s of sockets) s.destroy();
    expect(await metric('pia_handshakes_refused_total', '{reason="binaryFrame"}')).toBe(before + n);
    expect(refusedEvents.length - eventsBefore).toBe(n);
    expect(new Set(sockets.map((s) => s.closeCode()))).toEqual(new Set([CloseCode.binaryFrame]));
    // The hub ended each of them itself, without waiting for a close the peers never send.
    expect(allEnded).toBe(true);
    // A burst of lines, then one that says how many were left out.
    const summary = await waitForLine((l) => typeof l.suppressed === 'number', linesBefore);
    const written = captured.lines.slice(linesBefore).filter((l) => l.msg === 'worker link refused').length;
    expect(written).toBeLessThan(40);
    expect(written + (summary.suppressed as number)).toBeGreaterThanOrEqual(n);
  });
});

async function waitForLine(match: (l: Record<string, unknown>) => boolean, from: number, timeoutMs = 3000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = captured.lines.slice(from).find(match);
    if (line) return line;
    if (Date.now() > deadline) throw new Error('no such log line');
    await new Promise((r) => setTimeout(r, 50));
  }
}
