import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '../../../src/protocol/close-codes.js';
import { startTestHub, type TestHub } from '../../helpers/hub.js';
import { linkRaw, outputFrame, rawLink, sampleFacts } from '../../helpers/raw-link.js';
import { nextEvent, until } from '../../helpers/wait.js';
import { testWorker } from '../../helpers/worker.js';
import type { Worker } from '../../../src/worker/worker.js';
import { PROTOCOL_VERSION } from '../../../src/protocol/messages.js';

let t: TestHub;
let good: Worker;

beforeAll(async () => {
  t = await startTestHub({ env: { PIA_MAX_FRAME_BYTES: '65536' }, options: { helloTimeoutMs: 300 } });
  const { body } = await t.api<{ joinToken: string }>('POST', '/api/machines', { name: 'good' });
  good = testWorker({ hub: t.linkUrl, join: body.joinToken });
  const online = nextEvent(t.pia.events, 'machine.online');
  void good.run();
  await online;
});

afterAll(async () => {
  await good.stop();
  await t.stop();
});

/** Sends frames on a fresh link and returns how the hub closed it. */
async function closeFor(...frames: Array<string | Buffer>): Promise<{ code: number; reason: string }> {
  const link = rawLink(t.linkUrl);
  await link.opened;
  for (const f of frames) link.ws.send(f);
  return link.closed;
}

const hello = (extra: object = {}) => JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, auth: { kind: 'secret', secret: 'x' }, facts: sampleFacts(), ...extra });

async function stillServing(): Promise<void> {
  const { status, body } = await t.api<{ machine: { status: string } }>('GET', '/api/machines/good');
  expect(status).toBe(200);
  expect(body.machine.status).toBe('online');
  expect(good.link.linked).toBe(true);
}

describe('hostile frames close only their own link, each with its own code', () => {
  it('random bytes as a binary frame', async () => {
    expect((await closeFor(randomBytes(512))).code).toBe(CloseCode.binaryFrame);
    await stillServing();
  });

  it('random bytes as text, and invalid JSON', async () => {
    expect(await closeFor('{"type": "hello", ')).toEqual({ code: CloseCode.invalidJson, reason: 'frame is not valid JSON' });
    expect((await closeFor(randomBytes(256).toString('latin1'))).code).toBe(CloseCode.invalidJson);
    expect((await closeFor('[1,2,3]')).code).toBe(CloseCode.invalidMessage);
    await stillServing();
  });

  it('unknown types and a wrong protocol version', async () => {
    expect(await closeFor(JSON.stringify({ type: 'rm -rf /' }))).toEqual({ code: CloseCode.unknownType, reason: 'unknown message type "rm -rf /"' });
    expect(await closeFor(hello({ protocol: 99 }))).toEqual({
      code: CloseCode.unsupportedVersion,
      reason: `protocol 99 not supported; this side speaks ${PROTOCOL_VERSION}`,
    });
    await stillServing();
  });

  it('a hello of the wrong shape, and a message before hello', async () => {
    const bad = await closeFor(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, auth: { kind: 'secret' }, facts: {} }));
    expect(bad.code).toBe(CloseCode.invalidMessage);
    expect(bad.reason).toMatch(/^invalid hello: auth\.secret/);
    expect((await closeFor(JSON.stringify({ type: 'heartbeat', at: 1 }))).code).toBe(CloseCode.protocolViolation);
    await stillServing();
  });

  it('a frame over the size limit', async () => {
    const huge = JSON.stringify({ type: 'heartbeat', at: 1, pad: 'x'.repeat(200_000) });
    expect((await closeFor(huge)).code).toBe(CloseCode.tooBig);
    await stillServing();
  });

  it('silence after connecting: the hello deadline', async () => {
    expect((await closeFor()).code).toBe(CloseCode.helloTimeout);
    await stillServing();
  });

  it('a flood of bad hellos on many connections at once', async () => {
    const results = await Promise.all(Array.from({ length: 200 }, () => closeFor(hello())));
    expect(new Set(results.map((r) => r.code))).toEqual(new Set([CloseCode.authRefused]));
    await stillServing();
    const metrics = await t.api<string>('GET', '/metrics');
    const refused = /pia_handshakes_refused_total\{reason="credential"\} (\d+)/.exec(metrics.body);
    expect(Number(refused?.[1])).toBeGreaterThanOrEqual(200);
    const machines = await t.api<{ machines: unknown[] }>('GET', '/api/machines');
    expect(machines.body.machines).toHaveLength(1);
  });

  it('a worker of protocol 1 is refused for good, and its JSON output is not a message any more', async () => {
    const old = await closeFor(hello({ protocol: 1 }));
    expect(old).toEqual({ code: CloseCode.unsupportedVersion, reason: `protocol 1 not supported; this side speaks ${PROTOCOL_VERSION}` });
    const { body } = await t.api<{ joinToken: string }>('POST', '/api/machines', { name: 'jsonout' });
    const m = await linkRaw(t.linkUrl, 'jsonout', { kind: 'join', token: body.joinToken });
    m.link.ws.send(JSON.stringify({ type: 'task.output', chunk: { taskId: 'abcdefgh23', seq: 1, offset: 0, stream: 'stdout', data: 'x', at: 1 } }));
    expect(await m.link.closed).toEqual({ code: CloseCode.unknownType, reason: 'unknown message type "task.output"' });
    await stillServing();
  });

  it('bad binary output frames from a linked worker: each closes its link with the output-frame code and a reason', async () => {
    const { body } = await t.api<{ joinToken: string }>('POST', '/api/machines', { name: 'binary' });
    let secret = '';
    const linked = async () => {
      const m = await linkRaw(t.linkUrl, 'binary', secret ? { kind: 'secret', secret } : { kind: 'join', token: body.joinToken });
      secret = m.secret;
      return m;
    };
    const good = outputFrame('abcdefgh23', 1, 'hello\n');
    const cases: Array<[Buffer, RegExp]> = [
      [good.subarray(0, 10), /shorter than its header/],
      [Buffer.concat([Buffer.from([7]), good.subarray(1)]), /unknown binary frame kind 7/],
      [Buffer.concat([good.subarray(0, 1), Buffer.from([9]), good.subarray(2)]), /unknown output stream 9/],
      [Buffer.concat([good.subarray(0, 2), Buffer.from([40]), good.subarray(3)]), /task id of 40 bytes/],
      [Buffer.concat([good.subarray(0, 3), Buffer.from('ABCDEFGH23'), good.subarray(13)]), /a task id is 8-32 of a-z and 0-9/],
      [Buffer.concat([good.subarray(0, good.length - 6), Buffer.from([0xc3, 0x28])]), /not valid UTF-8/],
    ];
    for (const [frame, reason] of cases) {
      const m = await linked();
      m.link.ws.send(frame);
      const closed = await m.link.closed;
      expect(closed.code).toBe(CloseCode.invalidOutputFrame);
      expect(closed.reason).toMatch(reason);
    }
    const metrics = (await t.api<string>('GET', '/metrics')).body;
    expect(Number(/pia_link_faults_total\{reason="invalidOutputFrame"\} (\d+)/.exec(metrics)?.[1])).toBe(cases.length);
    await stillServing();
  });

  it('a second hello on a linked connection, from a real credential', async () => {
    const { body } = await t.api<{ joinToken: string }>('POST', '/api/machines', { name: 'twice' });
    const link = rawLink(t.linkUrl);
    await link.opened;
    link.ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, auth: { kind: 'join', token: body.joinToken }, facts: sampleFacts() }));
    expect(await link.next()).toMatchObject({ type: 'welcome', machine: 'twice' });
    const offline = nextEvent(t.pia.events, 'machine.offline', (e) => e.machine === 'twice');
    link.ws.send(hello());
    expect((await link.closed).code).toBe(CloseCode.protocolViolation);
    await offline;
    await until(async () => (await t.api<{ machine: { status: string } }>('GET', '/api/machines/twice')).body.machine.status === 'offline');
    await stillServing();
  });
});
