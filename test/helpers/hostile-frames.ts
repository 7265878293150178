// Hostile frames against the worker link, shared by the link fuzz test and the faults benchmark (scenario 7).
import { PROTOCOL_VERSION } from '../../src/protocol/messages.js';
import { mutateOne, type Rng } from './fuzz.js';
import { rawLink, sampleFacts } from './raw-link.js';
import { clientFrame, flood, Opcode, rawSocket } from './raw-socket.js';

/** One frame as a client puts it on the wire: text (possibly not UTF-8) or binary. */
export interface Frame {
  data: string | Buffer;
  binary: boolean;
}

/** The ids the fuzz aims at, and what "evil" sent for its own task (the only bytes that may appear in its log). */
export interface Targets {
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

/** A message "evil" could send, well-formed, aimed at a task of its own, of good's, or of nobody's. */
function validMessage(rng: Rng, tg: Targets): Record<string, unknown> {
  const taskId = rng.pick([tg.goodRunning, tg.goodRunning, tg.goodDone, tg.evilTask, randomTaskId(rng)]);
  const seq = rng.pick([1, 2, 1 + rng.int(200), 2 ** 31, 2 ** 53 - 1, 1e308]);
  switch (rng.int(8)) {
    case 0:
    case 1:
    case 2: {
      const data = rng.text(200);
      if (taskId === tg.evilTask) tg.evilSent.add(data);
      return { type: 'task.output', chunk: { taskId, seq, offset: rng.int(1e6), stream: rng.pick(['stdout', 'stderr', 'event']), data, at: Date.now() } };
    }
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

/** One hostile frame: a valid message, a mutated one, prototype keys, deep nesting, invalid UTF-8, binary, or cut short. */
export function frame(rng: Rng, tg: Targets): Frame {
  const text = (s: string): Frame => ({ data: s, binary: false });
  switch (rng.int(10)) {
    case 0:
    case 1:
    case 2:
      return text(JSON.stringify(validMessage(rng, tg)));
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
      return { data: Buffer.from(rng.text(64)), binary: true };
    default: {
      const s = JSON.stringify(validMessage(rng, tg));
      return text(s.slice(0, rng.int(s.length)));
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const within = (p: Promise<unknown>, ms: number) => Promise.race([p.then(() => true), sleep(ms).then(() => false)]);

/** A hello as "evil" (with its real secret) or as a stranger (a wrong secret, a bad join token). */
export function helloFrame(rng: Rng, tg: Targets, authenticated: boolean, evilSecret: string): string {
  const auth = authenticated ? { kind: 'secret', secret: evilSecret } : rng.pick([{ kind: 'secret', secret: rng.text(20) || 'x' }, { kind: 'join', token: 'nope' }]);
  return JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, auth, facts: sampleFacts('evil'), maxTasks: 2, ledger: [{ taskId: tg.evilTask, state: 'running' }] });
}

/** A session through the ws library: a well-behaved client that sends bad things. */
export async function wsSession(linkUrl: string, hello: string | undefined, frames: Frame[]): Promise<void> {
  const link = rawLink(linkUrl);
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
export async function rawSession(linkUrl: string, hello: string | undefined, frames: Frame[]): Promise<void> {
  const raw = await rawSocket(linkUrl);
  const wire = frames.map((f) => clientFrame(f.data, f.binary ? Opcode.binary : Opcode.text));
  if (hello) wire.unshift(clientFrame(hello));
  await flood(raw, wire, 150);
  // A faulted connection is destroyed 0.5 s after its fault; one that sent nothing fatal is left open, so stop.
  await within(raw.closed, 700);
  raw.destroy();
}
