import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../../src/common/concurrency.js';

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('mapLimit', () => {
  it('keeps input order and never exceeds the limit', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await mapLimit([30, 5, 20, 1, 10, 2, 15], 3, async (ms, index) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await delay(ms);
      inFlight--;
      return `${index}:${ms}`;
    });
    expect(results).toEqual(['0:30', '1:5', '2:20', '3:1', '4:10', '5:2', '6:15']);
    expect(peak).toBe(3);
  });

  it('handles no items and a limit above the item count', async () => {
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
    expect(await mapLimit([1, 2], 10, async (n) => n * 2)).toEqual([2, 4]);
  });

  it('rejects with the first error after in-flight calls settle, starting nothing new', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const run = mapLimit([0, 1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      if (n === 1) throw new Error('boom 1');
      if (n === 2) throw new Error('boom 2');
      await delay(40);
      finished.push(n);
      return n;
    });
    await expect(run).rejects.toThrow('boom 1');
    expect(started).toEqual([0, 1]);
    expect(finished).toEqual([0]);
  });

  it('treats a synchronous throw as a rejection', async () => {
    await expect(
      mapLimit([1], 1, () => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses limit %s', async (limit) => {
    await expect(mapLimit([1], limit, async (n) => n)).rejects.toMatchObject({ code: 'limit_invalid' });
  });
});
