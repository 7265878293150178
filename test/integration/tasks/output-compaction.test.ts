import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../helpers/hub.js';
import { linkRaw, outputFrame, type RawMachine } from '../../helpers/raw-link.js';
import { until } from '../../helpers/wait.js';

let t: TestHub;
let m: RawMachine;

beforeAll(async () => {
  t = await startTestHub();
  const { body } = await t.api<{ joinToken: string }>('POST', '/api/machines', { name: 'm1' });
  m = await linkRaw(t.linkUrl, 'm1', { kind: 'join', token: body.joinToken });
});

afterAll(async () => {
  m.link.ws.close();
  await t.stop();
});

type Chunk = { seq: number; offset: number; stream: string; data: string; at: number };
const chunksOf = async (id: string) => (await t.api<{ chunks: Chunk[] }>('GET', `/api/tasks/${id}/output?limit=10000`)).body.chunks;
const blocks = (id: string) => t.db().prepare<[string], { n: number; disk: number; codecs: string }>(
  "SELECT count(*) AS n, sum(length(data) + length(chunks)) AS disk, group_concat(DISTINCT codec) AS codecs FROM output_blocks WHERE task_id = ?",
).get(id)!;

describe('a finished task that printed a little at a time', () => {
  it('has its small blocks merged and compressed, and reads back exactly the same', async () => {
    const { body } = await t.api<{ tasks: Array<{ id: string }> }>('POST', '/api/tasks', { kind: 'run', machine: 'm1', prompt: 'x' });
    const id = body.tasks[0]!.id;
    await m.link.waitFor((msg) => msg.type === 'task.assign');
    m.link.ws.send(JSON.stringify({ type: 'task.started', taskId: id, workspace: '/w', at: Date.now() }));
    // One chunk at a time, each acknowledged before the next: each is a block of its own.
    for (let seq = 1; seq <= 120; seq++) {
      m.link.ws.send(outputFrame(id, seq, `step ${seq}: compiling module ${seq % 7} of the project, all fine\n`, seq % 10 === 0 ? 'stderr' : 'stdout'));
      await m.link.waitFor((msg) => msg.type === 'output.ack' && msg.seq === seq);
    }
    const before = await chunksOf(id);
    const stored = blocks(id);
    expect(stored.n).toBe(120);
    expect(stored.codecs).toBe('0');

    m.link.ws.send(JSON.stringify({ type: 'task.finished', outcome: { taskId: id, state: 'succeeded', exitCode: 0, lastSeq: 120, finishedAt: Date.now() } }));
    await until(() => blocks(id).n === 1, 5000);
    const after = blocks(id);
    expect(after.codecs).toBe('2');
    expect(after.disk).toBeLessThan(stored.disk / 5);
    expect(await chunksOf(id)).toEqual(before);
    const task = t.db().prepare<[string], { disk: number }>('SELECT output_disk_bytes AS disk FROM tasks WHERE id = ?').get(id)!;
    expect(task.disk).toBe(after.disk);
    const storage = (await t.api<{ storage: { outputDiskBytes: number } }>('GET', '/api/storage')).body.storage;
    expect(storage.outputDiskBytes).toBe(after.disk);
  });

  it('of more than a turn\'s work (half a MB) is compacted over several turns, all of it', async () => {
    const { body } = await t.api<{ tasks: Array<{ id: string }> }>('POST', '/api/tasks', { kind: 'run', machine: 'm1', prompt: 'x' });
    const id = body.tasks[0]!.id;
    await m.link.waitFor((msg) => msg.type === 'task.assign' && (msg.task as { id: string }).id === id);
    m.link.ws.send(JSON.stringify({ type: 'task.started', taskId: id, workspace: '/w', at: Date.now() }));
    // 800 chunks of 1,107 bytes, each a block of its own: 886 KB, merged in four blocks of up to 256 KB.
    const chunk = (seq: number) => Array.from({ length: 20 }, (_, i) => `step ${seq}.${i}: compiling module ${(seq * 20 + i) % 37} of the project, all fine\n`).join('');
    for (let seq = 1; seq <= 800; seq++) {
      m.link.ws.send(outputFrame(id, seq, chunk(seq)));
      await m.link.waitFor((msg) => msg.type === 'output.ack' && msg.taskId === id && msg.seq === seq);
    }
    const before = await chunksOf(id);
    const stored = blocks(id);
    expect(stored.n).toBe(800);
    m.link.ws.send(JSON.stringify({ type: 'task.finished', outcome: { taskId: id, state: 'succeeded', exitCode: 0, lastSeq: 800, finishedAt: Date.now() } }));
    await until(() => blocks(id).n === 4, 5000);
    expect(blocks(id).codecs).toBe('2');
    expect(blocks(id).disk).toBeLessThan(stored.disk * 0.7);
    expect(await chunksOf(id)).toEqual(before);
  }, 60_000);
});
