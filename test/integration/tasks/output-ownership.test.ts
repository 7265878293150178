import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';
import { linkRaw, outputFrame, type RawMachine } from '../../helpers/raw-link.js';
import { until } from '../../helpers/wait.js';
import type { Task } from '../../../src/hub/tasks/task.js';

// m2 is a real worker running the fake agent; m3 is another enrolled machine whose frames the test writes by hand.
let f: TestFleet;
let m3: RawMachine;

beforeAll(async () => {
  f = await startFleet({ name: 'm2' });
  const { body } = await f.t.api<{ joinToken: string }>('POST', '/api/machines', { name: 'm3' });
  m3 = await linkRaw(f.t.linkUrl, 'm3', { kind: 'join', token: body.joinToken });
});

afterAll(async () => {
  m3.link.ws.close();
  await f.stop();
});

type Chunks = Array<{ seq: number; stream: string; data: string }>;

async function chunksOf(taskId: string): Promise<Chunks> {
  const { status, body } = await f.t.api<{ chunks: Chunks }>('GET', `/api/tasks/${taskId}/output?from=1&limit=10000`);
  expect(status).toBe(200);
  return body.chunks;
}

async function taskOf(taskId: string): Promise<Task> {
  return (await f.t.api<{ task: Task }>('GET', `/api/tasks/${taskId}`)).body.task;
}

/** Gives m3 a task of its own and says it started; its acknowledged chunks tell the test the hub has caught up. */
async function m3Task(): Promise<string> {
  const [task] = await f.create({ kind: 'run', machine: 'm3', prompt: 'raw' });
  await m3.link.waitFor((m) => m.type === 'task.assign' && (m.task as { id: string }).id === task!.id);
  m3.link.ws.send(JSON.stringify({ type: 'task.started', taskId: task!.id, workspace: '/tmp/m3', at: Date.now() }));
  return task!.id;
}

/** Sends m3's own chunk `seq` and waits for its acknowledgement: every frame m3 sent before it has been handled. */
async function barrier(ownTask: string, seq: number): Promise<void> {
  m3.link.ws.send(outputFrame(ownTask, seq, `own ${seq}\n`));
  await m3.link.waitFor((m) => m.type === 'output.ack' && m.taskId === ownTask && m.seq === seq);
}

function refusedCount(metrics: string, reason: string): number {
  const m = new RegExp(`pia_link_messages_refused_total\\{type="task.output",reason="${reason}"\\} (\\d+)`).exec(metrics);
  return m ? Number(m[1]) : 0;
}

describe('task output is stored only from the machine that owns the task', () => {
  it("another machine's chunks for m2's finished task are refused: m2's log is unchanged", async () => {
    const [task] = await f.create({ kind: 'run', machine: 'm2', prompt: 'lines=5' });
    const done = await f.finished(task!.id);
    expect(done.state).toBe('succeeded');
    const before = await chunksOf(task!.id);
    expect(before.length).toBe(done.outputSeq);

    const own = await m3Task();
    const next = done.outputSeq + 1;
    m3.link.ws.send(outputFrame(task!.id, next, 'INJECTED after the end\n'));
    m3.link.ws.send(outputFrame(task!.id, next + 1, 'INJECTED again\n'));
    m3.link.ws.send(outputFrame(task!.id, 1, 'INJECTED over the first chunk\n'));
    await barrier(own, 1);

    expect(await chunksOf(task!.id)).toEqual(before);
    expect(await taskOf(task!.id)).toMatchObject({ state: 'succeeded', outputSeq: done.outputSeq });
    // Nothing about m2's task goes back to m3, not even how far its output reaches.
    expect(m3.link.received.filter((m) => (m as { taskId?: string }).taskId === task!.id)).toEqual([]);
    const metrics = (await f.t.api<string>('GET', '/metrics')).body;
    expect(refusedCount(metrics, 'not_owner')).toBeGreaterThanOrEqual(3);
  });

  it("another machine's chunks for m2's running task never reach m2's log", async () => {
    const [task] = await f.create({ kind: 'run', machine: 'm2', prompt: 'lines=60 rate=60' });
    const running = await until(async () => {
      const t = await taskOf(task!.id);
      return t.state === 'running' && t.outputSeq >= 1 ? t : undefined;
    });
    const own = await m3Task();
    // Seqs m2 has not sent yet: stored first, they would push m2's own chunks out as replays.
    for (let seq = running.outputSeq + 1; seq <= running.outputSeq + 30; seq++) m3.link.ws.send(outputFrame(task!.id, seq, `INJECTED ${seq}\n`));
    await barrier(own, 1);

    const done = await f.finished(task!.id);
    expect(done.state).toBe('succeeded');
    const stdout = await f.outputText(task!.id, ['stdout']);
    expect(stdout).not.toContain('INJECTED');
    expect(stdout.trim().split('\n').slice(2)).toEqual(Array.from({ length: 60 }, (_, i) => `line ${i + 1}`));
  });

  it('a machine added after another was removed (and given its id) cannot write into the removed one\'s task', async () => {
    const join = async (name: string) => (await f.t.api<{ joinToken: string }>('POST', '/api/machines', { name })).body.joinToken;
    const gone = await linkRaw(f.t.linkUrl, 'gone', { kind: 'join', token: await join('gone') });
    const [task] = await f.create({ kind: 'run', machine: 'gone', prompt: 'raw' });
    await gone.link.waitFor((m) => m.type === 'task.assign');
    gone.link.ws.send(JSON.stringify({ type: 'task.started', taskId: task!.id, workspace: '/tmp/gone', at: Date.now() }));
    gone.link.ws.send(outputFrame(task!.id, 1, 'from gone\n'));
    await gone.link.waitFor((m) => m.type === 'output.ack' && m.taskId === task!.id);
    const idOf = (name: string) => f.t.db().prepare<[string], number>('SELECT id FROM machines WHERE name = ?').pluck().get(name);
    const goneId = idOf('gone');

    expect((await f.t.api('DELETE', '/api/machines/gone')).status).toBe(200);
    await gone.link.closed;
    const next = await linkRaw(f.t.linkUrl, 'next', { kind: 'join', token: await join('next') });
    expect(idOf('next')).toBe(goneId); // SQLite gave the new machine the same id
    const [own] = await f.create({ kind: 'run', machine: 'next', prompt: 'raw' });
    await next.link.waitFor((m) => m.type === 'task.assign');
    next.link.ws.send(outputFrame(task!.id, 2, 'from next\n'));
    next.link.ws.send(outputFrame(own!.id, 1, 'own\n'));
    await next.link.waitFor((m) => m.type === 'output.ack' && m.taskId === own!.id);
    expect((await chunksOf(task!.id)).map((c) => c.data)).toEqual(['from gone\n']);
    next.link.ws.close();
  });

  it("a machine's own finished task: a replay is acknowledged, a new chunk is not stored", async () => {
    const own = await m3Task();
    await barrier(own, 1);
    m3.link.ws.send(JSON.stringify({ type: 'task.finished', outcome: { taskId: own, state: 'succeeded', exitCode: 0, lastSeq: 1, finishedAt: Date.now() } }));
    await m3.link.waitFor((m) => m.type === 'task.recorded' && m.taskId === own);

    m3.link.ws.send(outputFrame(own, 2, 'after the end\n'));
    m3.link.ws.send(outputFrame(own, 1, 'own 1\n'));
    // The replay is acknowledged up to what is stored, so a worker can drop it from its spool.
    expect(await m3.link.waitFor((m) => m.type === 'output.ack' && m.taskId === own)).toMatchObject({ seq: 1 });
    expect((await chunksOf(own)).map((c) => c.data)).toEqual(['own 1\n']);
    expect(await taskOf(own)).toMatchObject({ state: 'succeeded', outputSeq: 1 });
    const metrics = (await f.t.api<string>('GET', '/metrics')).body;
    expect(refusedCount(metrics, 'finished')).toBeGreaterThanOrEqual(1);
  });
});
