import { describe, expect, it } from 'vitest';
import { createFlowControl, type FlowTask } from '../../../src/worker/tasks/flow-control.js';

/** A task whose process is a flag; `seq` numbers its chunks as the task manager does. */
function task(name: string): FlowTask & { name: string; paused: boolean; seq: number } {
  const t = {
    name,
    paused: false,
    seq: 0,
    running: () => true,
    pause: () => void (t.paused = true),
    resume: () => void (t.paused = false),
  };
  return t;
}
type T = ReturnType<typeof task>;

const KB = 1024;
const limits = { taskBytes: 64 * KB, linkBytes: 256 * KB, chunkBytes: 64 * KB };

/** Flow control over `task`s, with helpers that send a chunk and acknowledge everything a task sent. */
function setup(linked: () => boolean = () => true, now?: () => number) {
  const flow = createFlowControl<T>(limits, linked, now);
  return {
    flow,
    send: (t: T, bytes = 64 * KB) => flow.sent(t, ++t.seq, bytes),
    ackAll: (t: T) => flow.acked(t, t.seq),
  };
}

describe('flow control', () => {
  it('keeps all tasks together near the link budget, and resumes the longest-waiting first', () => {
    let clock = 0;
    const { flow, send, ackAll } = setup(() => true, () => clock);
    const ts = ['a', 'b', 'c', 'd', 'e', 'f'].map(task);
    for (const t of ts) send(t); // each sends one chunk: 384 KB, past the 256 KB budget
    expect(flow.inFlight()).toBe(384 * KB);
    expect(ts.filter((t) => t.paused).map((t) => t.name)).toEqual(['e', 'f']);

    // Two chunks acknowledged: 256 KB in flight, no room for another; nothing resumes.
    ackAll(ts[0]!);
    ackAll(ts[1]!);
    expect(ts.filter((t) => t.paused).map((t) => t.name)).toEqual(['e', 'f']);
    // One more: 192 KB in flight leaves room for one chunk, so only the longest-waiting task goes.
    ackAll(ts[2]!);
    expect(ts.filter((t) => t.paused).map((t) => t.name)).toEqual(['f']);
    // Its share is held for it while it reads (no second resume into the same room)...
    flow.acked(ts[3]!, 0);
    expect(ts.filter((t) => t.paused).map((t) => t.name)).toEqual(['f']);
    // ...until it has sent, or stayed silent too long.
    clock += 100;
    flow.acked(ts[3]!, 0);
    expect(ts.filter((t) => t.paused)).toEqual([]);
  });

  it('a task over its own window waits for its own acknowledgements, without holding others back', () => {
    const { flow, send, ackAll } = setup();
    const [a, b] = [task('a'), task('b')];
    send(a, 64 * KB);
    send(a, 48 * KB);
    send(a, 16 * KB);
    expect(a.paused).toBe(true);
    send(b);
    expect(b.paused).toBe(false);
    ackAll(b);
    expect(a.paused).toBe(true); // its own 128 KB are still unacknowledged
    flow.acked(a, 2); // 16 KB left
    expect(flow.unacked(a)).toBe(16 * KB);
    expect(a.paused).toBe(false);
  });

  it('nothing is paused while the hub is unreachable, and everyone resumes when the link drops', () => {
    let linked = true;
    const { flow, send } = setup(() => linked);
    const ts = [task('a'), task('b'), task('c'), task('d'), task('e')];
    for (const t of ts) send(t);
    expect(ts.some((t) => t.paused)).toBe(true);
    linked = false;
    flow.linkChanged();
    expect(ts.some((t) => t.paused)).toBe(false);
    for (const t of ts) send(t, 1024 * KB);
    expect(ts.some((t) => t.paused)).toBe(false);
  });

  it('a task that ends with output in flight gives its share back', () => {
    const { flow, send } = setup();
    const ts = [task('a'), task('b'), task('c'), task('d'), task('e')];
    for (const t of ts) send(t);
    expect(ts[4]!.paused).toBe(true);
    flow.dropped(ts[0]!);
    flow.dropped(ts[1]!);
    expect(flow.inFlight()).toBe(192 * KB);
    expect(ts[4]!.paused).toBe(false);
  });
});
