import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../helpers/hub.js';
import { linkRaw, outputFrame, type RawMachine } from '../../helpers/raw-link.js';

// A hand-linked machine and a hub that writes output every 300 ms: what the machine sends at once is one write.
let t: TestHub;
let m: RawMachine;

beforeAll(async () => {
  t = await startTestHub({ options: { outputFlushMs: 300 } });
  const { body } = await t.api<{ joinToken: string }>('POST', '/api/machines', { name: 'm1' });
  m = await linkRaw(t.linkUrl, 'm1', { kind: 'join', token: body.joinToken });
});

afterAll(async () => {
  m.link.ws.close();
  await t.stop();
});

async function runningTask(): Promise<string> {
  const { body } = await t.api<{ tasks: Array<{ id: string }> }>('POST', '/api/tasks', { kind: 'run', machine: 'm1', prompt: 'x' });
  const id = body.tasks[0]!.id;
  await m.link.waitFor((msg) => msg.type === 'task.assign' && (msg.task as { id: string }).id === id);
  m.link.ws.send(JSON.stringify({ type: 'task.started', taskId: id, workspace: '/w', at: Date.now() }));
  return id;
}

describe('output acknowledgements', () => {
  it('are one message for all of a worker\'s tasks a write stored, each task with how far it is stored', async () => {
    const ids = [await runningTask(), await runningTask(), await runningTask()];
    ids.forEach((id, i) => {
      for (let seq = 1; seq <= i + 1; seq++) m.link.ws.send(outputFrame(id, seq, `task ${i} line ${seq}\n`));
    });
    await m.link.waitFor((msg) => msg.type === 'output.ack' && msg.taskId === ids[2] && msg.seq === 3);
    const acks = m.link.frames.map((f) => JSON.parse(f) as { type: string; acks?: unknown[] }).filter((f) => f.type === 'output.ack');
    expect(acks).toEqual([{ type: 'output.ack', acks: ids.map((taskId, i) => ({ taskId, seq: i + 1 })) }]);
    const text = await t.api<{ chunks: Array<{ data: string }> }>('GET', `/api/tasks/${ids[1]}/output`);
    expect(text.body.chunks.map((c) => c.data)).toEqual(['task 1 line 1\n', 'task 1 line 2\n']);
  });
});
