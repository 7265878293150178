import { deflateRawSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';
import { linkRaw, outputFrame } from '../../helpers/raw-link.js';
import { until } from '../../helpers/wait.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fleet(options: Parameters<typeof startFleet>[0] = {}): Promise<TestFleet> {
  const f = await startFleet(options);
  cleanups.push(() => f.stop());
  return f;
}

function metric(text: string, what: string): number {
  return Number(new RegExp(`pia_output_failures_total\\{what="${what}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
}

/** The fake agent's stdout for `lines=N bytes=B`: its two header lines, N numbered lines, B bytes of filler. */
function expectAllOutput(stdout: string, lines: number, bytes: number): void {
  expect(stdout.split('\n').slice(2, 2 + lines)).toEqual(Array.from({ length: lines }, (_, i) => `line ${i + 1}`));
  const block = 'x'.repeat(65535) + '\n';
  const filler = block.repeat(Math.ceil(bytes / block.length)).slice(0, bytes);
  const last = `line ${lines}\n`;
  expect(stdout.slice(stdout.indexOf(last) + last.length) === filler).toBe(true);
}

/** Makes every write of task output fail until the returned function is called (as a full disk does). */
function failOutputWrites(f: TestFleet): () => void {
  f.t.db().exec("CREATE TRIGGER disk_full BEFORE INSERT ON output_blocks BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END");
  return () => f.t.db().exec('DROP TRIGGER disk_full');
}

describe('output survives faults in the hub', () => {
  it('blocks that fail to compress are stored as they are: every byte once, and the failures counted', async () => {
    let calls = 0;
    const f = await fleet({
      options: {
        outputCompress: (data) => {
          if (++calls % 2 === 1) throw new Error('the compressor broke');
          return deflateRawSync(data, { level: 1 });
        },
      },
    });
    const [task] = await f.create({ kind: 'run', machine: 'local', prompt: 'lines=2000 bytes=400000 sleep=2000' });
    // While the agent sleeps after its output: some blocks stored as they are, the others compressed.
    await until(async () => ((await f.t.task(task!.id))?.outputBytes ?? 0) >= 400_000 + 2000 * 9, 15_000);
    const codecs = () => f.t.db().prepare<[string], number>('SELECT DISTINCT codec FROM output_blocks WHERE task_id = ? ORDER BY codec').pluck().all(task!.id);
    const raw = () => f.t.db().prepare<[string], number>('SELECT count(*) FROM output_blocks WHERE task_id = ? AND codec = 0 AND bytes >= 256').pluck().get(task!.id);
    expect(codecs()).toEqual([0, 1]);
    expect(raw()).toBeGreaterThan(0);
    const done = await f.finished(task!.id, 20_000);
    expect(done.state).toBe('succeeded');
    expectAllOutput(await f.outputText(task!.id, ['stdout']), 2000, 400_000);
    // Once it has ended, what was stored as it is gets compressed after all (but for a few bytes not worth it).
    await until(() => raw() === 0, 5000);
    expectAllOutput(await f.outputText(task!.id, ['stdout']), 2000, 400_000);
    const metrics = (await f.t.api<string>('GET', '/metrics')).body;
    expect(metric(metrics, 'compress')).toBeGreaterThan(0);
    expect(metric(metrics, 'compress')).toBe(Math.ceil(calls / 2));
  });

  it('while output cannot be written nothing is acknowledged; once it can, all of it is stored once and acknowledged', async () => {
    const f = await fleet({ options: { outputRetryMaxMs: 200 } });
    const { body } = await f.t.api<{ joinToken: string }>('POST', '/api/machines', { name: 'raw' });
    const m = await linkRaw(f.t.linkUrl, 'raw', { kind: 'join', token: body.joinToken });
    cleanups.push(async () => void m.link.ws.close());
    const [task] = await f.create({ kind: 'run', machine: 'raw', prompt: 'x' });
    await m.link.waitFor((msg) => msg.type === 'task.assign');
    m.link.ws.send(JSON.stringify({ type: 'task.started', taskId: task!.id, workspace: '/w', at: Date.now() }));
    m.link.ws.send(outputFrame(task!.id, 1, 'stored before\n'));
    await m.link.waitFor((msg) => msg.type === 'output.ack' && msg.seq === 1);

    const diskFreed = failOutputWrites(f);
    for (let seq = 2; seq <= 4; seq++) m.link.ws.send(outputFrame(task!.id, seq, `written while the disk is full ${seq}\n`));
    await expect(m.link.waitFor((msg) => msg.type === 'output.ack', 1000)).rejects.toThrow(/no matching message/);
    expect((await f.t.task(task!.id))!.outputSeq).toBe(1);
    // A worker replaying what it has not had acknowledged changes nothing either.
    m.link.ws.send(outputFrame(task!.id, 2, 'written while the disk is full 2\n'));
    expect(metric((await f.t.api<string>('GET', '/metrics')).body, 'store')).toBeGreaterThan(0);

    diskFreed();
    expect(await m.link.waitFor((msg) => msg.type === 'output.ack' && msg.seq === 4, 5000)).toMatchObject({ taskId: task!.id });
    const { body: out } = await f.t.api<{ chunks: Array<{ seq: number; data: string }> }>('GET', `/api/tasks/${task!.id}/output`);
    expect(out.chunks.map((c) => c.data)).toEqual(['stored before\n', ...[2, 3, 4].map((s) => `written while the disk is full ${s}\n`)]);
    expect(out.chunks.map((c) => c.seq)).toEqual([1, 2, 3, 4]);
  });

  it('a real task whose output cannot be written for a while: its worker holds on, then every line arrives once', async () => {
    const f = await fleet({ options: { outputRetryMaxMs: 200 } });
    const [task] = await f.create({ kind: 'run', machine: 'local', prompt: 'lines=400 rate=200' });
    // The agent runs at the lowest CPU priority: on a busy machine its first line can take seconds.
    await until(async () => ((await f.t.task(task!.id))?.outputSeq ?? 0) >= 2, 15_000);
    const diskFreed = failOutputWrites(f);
    const stuckAt = (await f.t.task(task!.id))!.outputSeq;
    await new Promise((r) => setTimeout(r, 1500));
    const during = (await f.t.task(task!.id))!;
    expect(during.state).toBe('running');
    expect(during.outputSeq).toBeLessThanOrEqual(stuckAt + 1); // a batch under way when the writes began to fail
    diskFreed();
    const done = await f.finished(task!.id, 20_000);
    expect(done.state).toBe('succeeded');
    const stdout = await f.outputText(task!.id, ['stdout']);
    expect(stdout.trim().split('\n').slice(2)).toEqual(Array.from({ length: 400 }, (_, i) => `line ${i + 1}`));
  }, 60_000); // a real worker and agent: on a busy machine the 2 s of output and the retries take their time
});
