import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { mutateOne, seededRng, type Rng } from '../../helpers/fuzz.js';
import { startTestHub, type TestHub } from '../../helpers/hub.js';
import { captureLog, type CapturedLog } from '../../helpers/log-lines.js';
import { linkRaw, rawLink, sampleFacts } from '../../helpers/raw-link.js';
import { decodeOutputFrame, encodeOutputFrame } from '../../../src/protocol/output-frame.js';
import { clientFrame, flood, Opcode, rawSocket } from '../../helpers/raw-socket.js';
import { nextEvent, until } from '../../helpers/wait.js';
import { fakeAgentEnv, testWorker } from '../../helpers/worker.js';
import type { Task } from '../../../src/hub/tasks/task.js';
import type { Worker } from '../../../src/worker/worker.js';
import { PROTOCOL_VERSION } from '../../../src/protocol/messages.js';

// A bounded, seeded fuzz of the worker link: a few thousand mutated frames from an enrolled machine ("evil"),
// and from clients with no credential, some of which ignore the close. Meanwhile a real worker ("good") runs a
// task. The hub must stay up, good's task must complete, and no task's log may gain a byte its machine did not
// send. Replay a failure with PIA_FUZZ_SEED=<the seed printed>.
const SEED = Number(process.env.PIA_FUZZ_SEED ?? 20260101);
const SESSIONS = 64;
const LANES = 8;

let t: TestHub;
let captured: CapturedLog;
let good: Worker;
let evilSecret: string;

beforeAll(async () => {
  captured = captureLog();
  t = await startTestHub({ options: { helloTimeoutMs: 300 }, log: captured.log });
  const join = async (name: string) => (await t.api<{ joinToken: string }>('POST', '/api/machines', { name })).body.joinToken;
  const online = nextEvent(t.pia.events, 'machine.online', (e) => e.machine === 'good');
  good = testWorker({ hub: t.linkUrl, join: await join('good'), env: fakeAgentEnv() });
  void good.run().catch(() => undefined);
  await online;
  const evil = await linkRaw(t.linkUrl, 'evil', { kind: 'join', token: await join('evil') });
  evilSecret = evil.secret;
  evil.link.ws.close();
  await evil.link.closed;
});

afterAll(async () => {
  await good.stop();
  await t.stop();
});

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await t.api<T>(method, path, body);
  if (res.status >= 300) throw new Error(`${method} ${path} -> ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

const create = async (machine: string, prompt: string) => (await api<{ tasks: Task[] }>('POST', '/api/tasks', { kind: 'run', machine, prompt })).tasks[0]!;
const taskOf = async (id: string) => (await api<{ task: Task }>('GET', `/api/tasks/${id}`)).task;
const finished = (id: string, timeoutMs = 20_000) =>
  until(async () => {
    const task = await taskOf(id);
    return ['succeeded', 'failed', 'cancelled', 'timed_out', 'lost'].includes(task.state) ? task : undefined;
  }, timeoutMs);

type Chunk = { seq: number; stream: string; data: string };
async function chunksOf(id: string): Promise<Chunk[]> {
  return (await api<{ chunks: Chunk[] }>('GET', `/api/tasks/${id}/output?from=1&limit=10000`)).chunks;
}

/** One frame as a client puts it on the wire: text (possibly not UTF-8) or binary. */
interface Frame {
  data: string | Buffer;
  binary: boolean;
}

/** The ids the fuzz aims at, and what "evil" sent for its own task (the only bytes that may appear in its log). */
interface Targets {
  goodRunning: string;
  goodDone: string;
  evilTask: string;
  evilSent: Set<string>;
}

const weird = (rng: Rng): unknown =>
  rng.pick<() => unknown>([
    () => null,
    () => true,
    () => -1,
    () => 0,
    () => 1.5,
    () => 2 ** 53 + 2,
    () => 1e308,
    () => -1e308,
    () => '',
    () => rng.text(40),
    () => 'x'.repeat(rng.int(70_000)),
    () => [],
    () => [rng.text(5), 1, null],
    () => ({}),
    () => ({ nested: { deeper: [rng.text(3)] } }),
    () => randomTaskId(rng),
  ])();

function randomTaskId(rng: Rng): string {
  let id = '';
  for (let i = 0; i < 10; i++) id += 'abcdefghijklmnopqrstuvwxyz0123456789'[rng.int(36)];
  return id;
}

const aimAt = (rng: Rng, tg: Targets) => rng.pick([tg.goodRunning, tg.goodRunning, tg.goodDone, tg.evilTask, randomTaskId(rng)]);

/** Records what a binary frame would store for evil's own task if the hub takes it (decoded as the hub decodes). */
function noteSent(tg: Targets, frame: Buffer): void {
  const decoded = decodeOutputFrame(frame);
  if (decoded.ok && decoded.message.taskId === tg.evilTask) tg.evilSent.add(decoded.message.data.toString('utf8'));
}

/** A well-formed output frame (binary), aimed at a task of evil's own, of good's, or of nobody's. */
function validOutput(rng: Rng, tg: Targets): Buffer {
  const seq = rng.pick([1, 2, 1 + rng.int(200), 2 ** 31, 2 ** 32 - 1]);
  const stream = rng.pick(['stdout', 'stderr', 'event'] as const);
  const frame = encodeOutputFrame({ taskId: aimAt(rng, tg), seq, offset: rng.int(1e6), stream, at: Date.now() }, rng.text(200));
  noteSent(tg, frame);
  return frame;
}

/** An output frame with one thing wrong (or, by chance, still right): a byte, its length, a field, its data. */
function mutatedOutput(rng: Rng, tg: Targets): Buffer {
  const frame = Buffer.from(validOutput(rng, tg));
  const idEnd = 3 + frame[2]!;
  const out = rng.pick<() => Buffer>([
    () => (frame.writeUInt8(rng.int(256), rng.int(frame.length)), frame),
    () => frame.subarray(0, rng.int(frame.length)),
    () => Buffer.concat([frame, Buffer.from(rng.text(64))]),
    () => (frame.writeUInt8(rng.pick([0, 2, 255]), 0), frame),
    () => (frame.writeUInt8(rng.pick([3, 7, 255]), 1), frame),
    () => (frame.writeUInt8(rng.pick([0, 7, 33, 255]), 2), frame),
    () => (frame.writeUInt8(rng.pick([0x41, 0x2f, 0x00, 0xc3]), 3 + rng.int(idEnd - 3)), frame),
    () => (frame.writeUInt32BE(0, idEnd), frame),
    () => Buffer.concat([frame.subarray(0, idEnd + 16), Buffer.from(rng.pick([[0xff, 0xfe], [0xc3, 0x28], [0xed, 0xa0, 0x80]]))]),
    () => Buffer.concat([frame.subarray(0, idEnd + 16), Buffer.alloc(1024 * 1024 + 1 + rng.int(10), 0x61)]),
  ])();
  noteSent(tg, out);
  return out;
}

/** A JSON message "evil" could send, well-formed, aimed at a task of its own, of good's, or of nobody's. */
function validMessage(rng: Rng, tg: Targets): Record<string, unknown> {
  const taskId = aimAt(rng, tg);
  switch (3 + rng.int(5)) {
    case 3:
      return { type: 'task.started', taskId, workspace: rng.text(30), at: Date.now() };
    case 4:
      return {
        type: 'task.finished',
        outcome: { taskId, state: rng.pick(['succeeded', 'failed', 'lost', 'cancelled']), exitCode: rng.pick([0, 1, null]), lastSeq: rng.int(3), finishedAt: Date.now() },
      };
    case 5:
      return { type: 'heartbeat', at: rng.pick([0, Date.now(), 2 ** 53 - 1]) };
    case 6:
      return { type: 'facts', facts: sampleFacts(rng.text(10) || 'h') };
    default:
      return { type: 'power.result', requestId: rng.text(20), ok: rng.chance(0.5), message: rng.text(50) };
  }
}

function frame(rng: Rng, tg: Targets): Frame {
  const text = (s: string): Frame => ({ data: s, binary: false });
  switch (rng.int(10)) {
    case 0:
      return text(JSON.stringify(validMessage(rng, tg)));
    case 1:
    case 2:
      return { data: validOutput(rng, tg), binary: true };
    case 3:
    case 4:
      return text(JSON.stringify(mutateOne(rng, validMessage(rng, tg), weird)));
    case 5: {
      // Keys that mean something to JavaScript objects, at the top and inside the chunk.
      const id = rng.pick([tg.goodRunning, tg.goodDone]);
      const chunk = `{"taskId":"${id}","seq":${1 + rng.int(100)},"offset":0,"stream":"stdout","data":"PROTO","at":1}`;
      return text(
        rng.pick([
          `{"type":"task.output","chunk":{"__proto__":${chunk},"taskId":"${tg.evilTask}"}}`,
          `{"__proto__":{"type":"task.output","chunk":${chunk}}}`,
          `{"type":"task.output","__proto__":{"chunk":${chunk}}}`,
          `{"type":"task.output","chunk":${chunk.replace('"taskId"', '"constructor":{"prototype":{"x":1}},"taskId"')}}`,
          `{"type":"__proto__"}`,
          `{"type":"constructor","prototype":{}}`,
        ]),
      );
    }
    case 6: {
      const depth = 50 + rng.int(5000);
      return text(rng.pick([`{"type":"facts","facts":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`, `${'['.repeat(depth)}${']'.repeat(depth)}`]));
    }
    case 7:
      return { data: Buffer.from(rng.pick([[0xff, 0xfe], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0x7b, 0x22, 0xf8, 0x22, 0x7d]])), binary: false };
    case 8:
      return { data: rng.pick([() => validOutput(rng, tg), () => mutatedOutput(rng, tg), () => Buffer.from(rng.text(64))])(), binary: true };
    default: {
      const s = JSON.stringify(validMessage(rng, tg));
      return text(s.slice(0, rng.int(s.length)));
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const within = (p: Promise<unknown>, ms: number) => Promise.race([p.then(() => true), sleep(ms).then(() => false)]);

function helloFrame(rng: Rng, tg: Targets, authenticated: boolean): string {
  const auth = authenticated ? { kind: 'secret', secret: evilSecret } : rng.pick([{ kind: 'secret', secret: rng.text(20) || 'x' }, { kind: 'join', token: 'nope' }]);
  return JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, auth, facts: sampleFacts('evil'), maxTasks: 2, ledger: [{ taskId: tg.evilTask, state: 'running' }] });
}

/** A session through the ws library: a well-behaved client that sends bad things. */
async function wsSession(hello: string | undefined, frames: Frame[]): Promise<void> {
  const link = rawLink(t.linkUrl);
  await link.opened;
  if (hello) {
    link.ws.send(hello);
    await Promise.race([link.waitFor((m) => m.type === 'welcome', 3000).catch(() => undefined), link.closed]);
  }
  for (const f of frames) {
    if (link.ws.readyState !== link.ws.OPEN) break;
    link.ws.send(f.data, { binary: f.binary });
  }
  await within(link.closed, 100);
  link.ws.terminate();
}

/** A session on a bare socket that ignores the close and keeps sending. */
async function rawSession(hello: string | undefined, frames: Frame[]): Promise<void> {
  const raw = await rawSocket(t.linkUrl);
  const wire = frames.map((f) => clientFrame(f.data, f.binary ? Opcode.binary : Opcode.text));
  if (hello) wire.unshift(clientFrame(hello));
  await flood(raw, wire, 150);
  // A faulted connection is destroyed 0.5 s after its fault; one that sent nothing fatal is left open, so stop.
  await within(raw.closed, 700);
  raw.destroy();
}

describe(`link fuzz (seed ${SEED})`, () => {
  it('a few thousand hostile frames: the hub stays up, good finishes its task, no log gains a foreign byte', async () => {
    onTestFailed(() => console.error(`link fuzz failed with seed ${SEED}: rerun with PIA_FUZZ_SEED=${SEED}`));
    const goodDone = await create('good', 'lines=5');
    expect((await finished(goodDone.id)).state).toBe('succeeded');
    const doneBefore = await chunksOf(goodDone.id);
    const evilTask = await create('evil', 'raw');
    const goodRunning = await create('good', 'lines=100 rate=50');
    await until(async () => (await taskOf(goodRunning.id)).state === 'running');
    const tg: Targets = { goodRunning: goodRunning.id, goodDone: goodDone.id, evilTask: evilTask.id, evilSent: new Set() };

    // Every session is generated up front from the seed, so the frames do not depend on timing.
    const rng = seededRng(SEED);
    const sessions = Array.from({ length: SESSIONS }, () => {
      const authenticated = rng.chance(0.6);
      const ignoresClose = rng.chance(0.4);
      const hello = authenticated || rng.chance(0.5) ? helloFrame(rng, tg, authenticated) : undefined;
      const frames = Array.from({ length: 20 + rng.int(60) }, () => frame(rng, tg));
      return { hello, frames, ignoresClose };
    });
    const total = sessions.reduce((n, s) => n + s.frames.length, 0);
    expect(total).toBeGreaterThan(2000);

    const started = Date.now();
    const linesBefore = captured.lines.length;
    let nextSession = 0;
    await Promise.all(
      Array.from({ length: LANES }, async () => {
        while (nextSession < sessions.length) {
          const s = sessions[nextSession++]!;
          await (s.ignoresClose ? rawSession(s.hello, s.frames) : wsSession(s.hello, s.frames));
        }
      }),
    );
    const elapsedS = (Date.now() - started) / 1000;

    // The hub is up and still serves its API and its workers.
    const health = await fetch(`${t.httpUrl}/api/health`);
    expect(health.status).toBe(200);
    expect(good.link.linked).toBe(true);
    // good's running task completes with exactly what good's agent printed.
    const done = await finished(goodRunning.id);
    expect(done.state).toBe('succeeded');
    const running = await chunksOf(goodRunning.id);
    expect(running.map((c) => c.seq)).toEqual(running.map((_, i) => i + 1));
    const stdout = running.filter((c) => c.stream === 'stdout').map((c) => c.data).join('');
    expect(stdout.trim().split('\n').slice(2)).toEqual(Array.from({ length: 100 }, (_, i) => `line ${i + 1}`));
    expect(running.some((c) => c.data.includes('PROTO'))).toBe(false);
    // good's finished task is exactly as it was.
    expect(await chunksOf(goodDone.id)).toEqual(doneBefore);
    expect(await taskOf(goodDone.id)).toMatchObject({ state: 'succeeded', outputSeq: doneBefore.length });
    // evil's own log holds only what evil sent for it, and its well-formed binary frames were taken.
    const evilChunks = await chunksOf(evilTask.id);
    expect(evilChunks.length).toBeGreaterThan(0);
    for (const c of evilChunks) expect(tg.evilSent.has(c.data)).toBe(true);
    // Warnings a peer can provoke stayed within the link's budget (20 at once, 10 a second, one summary a second).
    const warnings = captured.lines.slice(linesBefore).filter((l) => l.component === 'link' && l.level === 40);
    expect(warnings.length).toBeLessThanOrEqual(20 + Math.ceil(elapsedS + 1) * 11);
  }, 30_000);
});
