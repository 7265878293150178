import { describe, expect, it } from 'vitest';
import { createFlowControl, type FlowTask } from '../../../src/worker/tasks/flow-control.js';

/** A task whose process is a flag, with its own unacknowledged byte count. */
function task(name: string): FlowTask & { name: string; paused: boolean; out: number } {
  const t = {
    name,
    paused: false,
    out: 0,
    unacked: () => t.out,
    running: () => true,
    pause: () => void (t.paused = true),
    resume: () => void (t.paused = false),
  };
  return t;
}

const KB = 1024;
const limits = { taskBytes: 64 * KB, linkBytes: 256 * KB, chunkBytes: 64 * KB };

describe('flow control', () => {
  it('keeps all tasks together near the link budget, and resumes the longest-waiting first', () => {
    let clock = 0;
    const flow = createFlowControl(limits, () => true, () => clock);
    const ts = ['a', 'b', 'c', 'd', 'e', 'f'].map(task);
    const send = (t: (typeof ts)[number]) => {
      t.out += 64 * KB;
      flow.sent(t, 64 * KB);
    };
    const ack = (t: (typeof ts)[number]) => {
      const n = t.out;
      t.out = 0;
      flow.acked(t, n);
    };
    for (const t of ts) send(t); // each sends one chunk: 384 KB, past the 256 KB budget
    expect(flow.inFlight()).toBe(384 * KB);
    expect(ts.filter((t) => t.paused).map((t) => t.name)).toEqual(['e', 'f']);

    // Two chunks acknowledged: 256 KB in flight, no room for another; nothing resumes.
    ack(ts[0]!);
    ack(ts[1]!);
    expect(ts.filter((t) => t.paused).map((t) => t.name)).toEqual(['e', 'f']);
    // One more: 192 KB in flight leaves room for one chunk, so only the longest-waiting task goes.
    ack(ts[2]!);
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
    const flow = createFlowControl(limits, () => true);
    const [a, b] = [task('a'), task('b')];
    a.out = 128 * KB;
    flow.sent(a, 128 * KB);
    expect(a.paused).toBe(true);
    b.out = 64 * KB;
    flow.sent(b, 64 * KB);
    expect(b.paused).toBe(false);
    b.out = 0;
    flow.acked(b, 64 * KB);
    expect(a.paused).toBe(true); // its own 128 KB are still unacknowledged
    a.out = 16 * KB;
    flow.acked(a, 112 * KB);
    expect(a.paused).toBe(false);
  });

  it('nothing is paused while the hub is unreachable, and everyone resumes when the link drops', () => {
    let linked = true;
    const flow = createFlowControl(limits, () => linked);
    const ts = [task('a'), task('b'), task('c'), task('d'), task('e')];
    for (const t of ts) {
      t.out += 64 * KB;
      flow.sent(t, 64 * KB);
    }
    expect(ts.some((t) => t.paused)).toBe(true);
    linked = false;
    flow.linkChanged();
    expect(ts.some((t) => t.paused)).toBe(false);
    for (const t of ts) flow.sent(t, 1024 * KB);
    expect(ts.some((t) => t.paused)).toBe(false);
  });

  it('a task that ends with output in flight gives its share back', () => {
    const flow = createFlowControl(limits, () => true);
    const ts = [task('a'), task('b'), task('c'), task('d'), task('e')];
    for (const t of ts) {
      t.out += 64 * KB;
      flow.sent(t, 64 * KB);
    }
    expect(ts[4]!.paused).toBe(true);
    flow.dropped(ts[0]!, 64 * KB);
    flow.dropped(ts[1]!, 64 * KB);
    expect(flow.inFlight()).toBe(192 * KB);
    expect(ts[4]!.paused).toBe(false);
  });
});
