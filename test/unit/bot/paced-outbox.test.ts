import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/common/logger.js';
import { Outbox } from '../../../src/bot/reporter/paced-outbox.js';
import { RateLimited, type ChatPort, type OutMessage, type PostedMessage } from '../../../src/bot/port.js';

/** A port that records what it was asked to do and when, and can answer 429 a given number of times. */
function recordingPort(limits: Partial<ChatPort['limits']> = {}, rateLimitFirst = 0) {
  const calls: Array<{ kind: string; id?: string; text: string; code?: string; at: number }> = [];
  let refusals = rateLimitFirst;
  let n = 0;
  const port: ChatPort = {
    platform: 'test',
    limits: { maxMessageChars: 1000, maxCodeChars: 100, postsPerSecond: 10, updatesPerSecond: 10, burst: 2, ...limits },
    async post(thread, m: OutMessage): Promise<PostedMessage> {
      if (refusals-- > 0) throw new RateLimited(120);
      calls.push({ kind: 'post', text: m.text, ...(m.code ? { code: m.code } : {}), at: Date.now() });
      return { thread: { channel: thread.channel, thread: thread.thread ?? 't1' }, id: String(++n) };
    },
    async update(target, m) {
      calls.push({ kind: 'update', id: target.id, text: m.text, at: Date.now() });
    },
    async attach() {
      calls.push({ kind: 'attach', text: '', at: Date.now() });
    },
  };
  return { port, calls };
}

describe('outbox', () => {
  it('paces posts to the platform rate per channel, after the burst', async () => {
    const { port, calls } = recordingPort({ postsPerSecond: 10, burst: 2 });
    const box = new Outbox(port, silentLogger());
    const started = Date.now();
    await Promise.all(Array.from({ length: 6 }, (_, i) => box.post({ channel: 'c' }, { text: `m${i}` })));
    expect(calls.map((c) => c.text)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
    // 2 at once, then 4 more at 10 per second: about 400 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('does not make one channel wait for another', async () => {
    const { port, calls } = recordingPort({ postsPerSecond: 2, burst: 1 });
    const box = new Outbox(port, silentLogger());
    void box.post({ channel: 'slow' }, { text: 'a1' });
    void box.post({ channel: 'slow' }, { text: 'a2' });
    await box.post({ channel: 'other' }, { text: 'b1' });
    expect(calls.map((c) => c.text)).toEqual(['a1', 'b1']);
  });

  it('coalesces queued edits of the same message: only the newest text is sent', async () => {
    const { port, calls } = recordingPort({ updatesPerSecond: 5, burst: 1 });
    const box = new Outbox(port, silentLogger());
    const msg = await box.post({ channel: 'c' }, { text: 'v0' });
    const edits = [1, 2, 3, 4, 5].map((i) => box.update(msg, { text: `v${i}` }));
    await Promise.all(edits);
    const sent = calls.filter((c) => c.kind === 'update').map((c) => c.text);
    // The newest text always arrives; the ones in between are skipped (one may have started before the rest came).
    expect(sent.at(-1)).toBe('v5');
    expect(sent.length).toBeLessThanOrEqual(2);
  });

  it('waits out a 429 for its Retry-After and sends again: nothing is lost', async () => {
    const { port, calls } = recordingPort({}, 2);
    const box = new Outbox(port, silentLogger());
    const started = Date.now();
    const posted = await box.post({ channel: 'c' }, { text: 'final result' });
    expect(posted.id).toBe('1');
    expect(calls).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(230);
  });

  it('keeps messages within the limits, keeping the newest end of the output', async () => {
    const { port, calls } = recordingPort({ maxMessageChars: 300, maxCodeChars: 100 });
    const box = new Outbox(port, silentLogger());
    const code = Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n');
    await box.post({ channel: 'c' }, { text: 'x'.repeat(500), code });
    expect(calls[0]!.code!.length).toBe(100);
    expect(calls[0]!.code!.endsWith('line 49')).toBe(true);
    expect(calls[0]!.text.length + calls[0]!.code!.length).toBeLessThanOrEqual(300);
  });

  it('paces edits across channels when the platform counts them per app', async () => {
    const { port, calls } = recordingPort({ updatesPerSecond: 100, appUpdatesPerSecond: 5, burst: 1 });
    const box = new Outbox(port, silentLogger());
    const a = await box.post({ channel: 'a' }, { text: 'a' });
    const b = await box.post({ channel: 'b' }, { text: 'b' });
    const started = Date.now();
    await Promise.all([box.update(a, { text: 'a1' }), box.update(b, { text: 'b1' }), box.update(a, { text: 'a2' }).catch(() => undefined)]);
    await box.update(b, { text: 'b2' });
    // Four edits (or three, coalesced) at 5 per second app-wide after a burst of 1: at least ~400 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(calls.filter((c) => c.kind === 'update').length).toBeGreaterThanOrEqual(3);
  });
});
