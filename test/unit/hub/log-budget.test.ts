import { describe, expect, it } from 'vitest';
import { createLogBudget } from '../../../src/hub/link/log-budget.js';
import { captureLog } from '../../helpers/log-lines.js';

describe('log budget', () => {
  it('writes a burst, then at the refill rate, and sums up what it dropped', () => {
    const { log, lines } = captureLog();
    let now = 0;
    const warn = createLogBudget(log, { perSecond: 2, burst: 3, nowMs: () => now });
    for (let i = 0; i < 10; i++) warn.warn({ i }, 'refused');
    expect(lines.map((l) => l.i)).toEqual([0, 1, 2]);
    now = 1000; // two tokens back
    for (let i = 10; i < 15; i++) warn.warn({ i }, 'refused');
    expect(lines.map((l) => l.i)).toEqual([0, 1, 2, 10, 11]);
    warn.close();
    expect(lines.at(-1)).toMatchObject({ suppressed: 10, msg: '10 similar log lines suppressed in the last second' });
    warn.close();
    expect(lines).toHaveLength(6); // nothing dropped since: no second summary
  });

  it('a steady trickle under the rate is never dropped', () => {
    const { log, lines } = captureLog();
    let now = 0;
    const warn = createLogBudget(log, { perSecond: 10, burst: 1, nowMs: () => now });
    for (let i = 0; i < 50; i++) {
      warn.warn({ i }, 'refused');
      now += 100;
    }
    warn.close();
    expect(lines).toHaveLength(50);
  });
});
