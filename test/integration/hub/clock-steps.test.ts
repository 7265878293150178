import { afterEach, describe, expect, it, vi } from 'vitest';
import { PROTOCOL_VERSION } from '../../../src/protocol/messages.js';
import { startTestHub, type TestHub } from '../../helpers/hub.js';
import { rawLink, sampleFacts } from '../../helpers/raw-link.js';
import { until } from '../../helpers/wait.js';

const HOUR = 3600_000;
let t: TestHub | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await t?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Only the wall clock (Date) is stepped, as NTP or a person setting the time does; timers and the monotonic clock
// run on, as they do in a real process.
describe('wall-clock steps', () => {
  it('an hour forward marks no machine offline and expires no queued task; an hour back still finds a silent link', async () => {
    t = await startTestHub({ env: { PIA_HEARTBEAT_S: '0.5', PIA_OFFLINE_AFTER_S: '2', PIA_TASK_QUEUE_EXPIRY_H: '1' }, options: { expirySweepMs: 100 } });
    const join = async (name: string) => (await t!.api<{ joinToken: string }>('POST', '/api/machines', { name })).body.joinToken;
    // Links driven by hand, so the test decides when a heartbeat arrives relative to the step.
    const link = async (name: string) => {
      const raw = rawLink(t!.linkUrl);
      await raw.opened;
      raw.ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, auth: { kind: 'join', token: await join(name) }, facts: sampleFacts(name) }));
      await raw.waitFor((m) => m.type === 'welcome');
      return raw;
    };
    const steady = await link('steady');
    await join('asleep');
    const queued = (await t.api<{ task: { id: string; state: string } }>('POST', '/api/tasks', { kind: 'run', machine: 'asleep', prompt: 'later' })).body.task;
    expect(queued.state).toBe('queued');
    const offline: string[] = [];
    t.pia.events.on('machine.offline', (e) => void offline.push(e.machine));

    // A heartbeat, then one hour and a minute forward: past the queue expiry (1 h) and far past the offline deadline
    // (2 s), though only 1.5 s pass before the next heartbeat.
    steady.ws.send(JSON.stringify({ type: 'heartbeat', at: Date.now() }));
    await sleep(100);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + HOUR + 60_000 });
    await sleep(1500); // three liveness sweeps (every 0.5 s) and many expiry sweeps (every 0.1 s)
    expect(offline).toEqual([]);
    expect((await t.machine('steady')).status).toBe('online');
    expect((await t.task(queued.id))?.state).toBe('queued');

    // A machine that links now and then falls silent, and the clock steps back an hour: it must still go offline.
    steady.ws.close();
    await until(() => offline.includes('steady'), 3000, 50);
    await link('mute');
    vi.useRealTimers();
    await until(() => offline.includes('mute'), 6000, 100);
    expect(offline).toEqual(['steady', 'mute']);
  }, 20_000);
});
