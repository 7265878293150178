import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/common/logger.js';
import { createEventBus } from '../../../src/hub/events.js';
import type { Approval } from '../../../src/hub/approvals/approval-store.js';
import { createIdleWatcher, type IdleWatcher } from '../../../src/hub/idle/idle-watcher.js';
import type { Machine } from '../../../src/hub/registry/machine.js';

const MIN = 60_000;
const watchers: IdleWatcher[] = [];
afterEach(() => {
  for (const w of watchers.splice(0)) w.close();
});

/**
 * A watcher over one opted-in machine on a moved clock. The power port is a stand-in that records what it was
 * asked (the real one, through a worker, is in test/integration/idle); tasks and approvals are counters the test sets.
 */
function setup(caps: Machine['capabilities']) {
  const clock = { t: Date.parse('2026-06-01T10:00:00Z') };
  const bus = createEventBus(silentLogger());
  const box: Machine = { id: 7, name: 'box', aliases: [], status: 'online', powerState: 'online', powerStateAt: null, powerEvidence: null, lastSeen: null, facts: null, capabilities: caps, createdAt: '' };
  const state = { tasks: 0, approvals: 0 };
  const asked: Array<{ action: string; unlessLoggedIn: boolean; at: number }> = [];
  const watcher = createIdleWatcher({
    machines: { find: (n) => (n === 'box' ? box : undefined), byId: (id) => (id === 7 ? box : undefined) },
    pending: () => state.tasks,
    waitingApprovals: (m) => (m === 'box' ? state.approvals : 0),
    power: {
      command: async (_name, action, _actor, opts) => {
        asked.push({ action, unlessLoggedIn: opts.unlessLoggedIn, at: clock.t });
        return { ok: true, message: 'ok' };
      },
    },
    bus,
    now: () => clock.t,
    checkMs: 3_600_000,
    afterWakeMs: MIN,
    log: silentLogger(),
  });
  watchers.push(watcher);
  bus.emit('machine.online', { machine: 'box', hostname: 'box', address: null });
  return { clock, bus, state, asked, watcher };
}

const approval = { machine: 'box' } as Approval;

describe('the idle watcher', () => {
  it('waits while an approval waits for a person, and counts the idle period from its answer', async () => {
    const { clock, bus, state, asked, watcher } = setup({ sleepWhenIdleS: 30 * 60 });
    clock.t += 10 * MIN;
    bus.emit('approval.requested', { approval });
    state.approvals = 1;
    clock.t += 40 * MIN;
    await watcher.check();
    expect(asked).toEqual([]);
    state.approvals = 0;
    bus.emit('approval.settled', { approval });
    clock.t += 29 * MIN;
    await watcher.check();
    expect(asked).toEqual([]);
    clock.t += 2 * MIN;
    await watcher.check();
    expect(asked).toEqual([{ action: 'sleep', unlessLoggedIn: true, at: clock.t }]);
  });

  it('shuts down instead when so configured, forced past a logged-in person when told, and asks once', async () => {
    const { clock, asked, watcher } = setup({ sleepWhenIdleS: 30 * 60, idleAction: 'shutdown', idleForce: true });
    clock.t += 31 * MIN;
    await watcher.check();
    await watcher.check();
    expect(asked).toEqual([{ action: 'shutdown', unlessLoggedIn: false, at: clock.t }]);
  });

  it('leaves alone a machine that did not opt in, and one with a task waiting for it', async () => {
    const quiet = setup({});
    quiet.clock.t += 24 * 60 * MIN;
    await quiet.watcher.check();
    expect(quiet.asked).toEqual([]);
    const busy = setup({ sleepWhenIdleS: 30 * 60 });
    busy.state.tasks = 1;
    busy.clock.t += 60 * MIN;
    await busy.watcher.check();
    expect(busy.asked).toEqual([]);
  });
});
