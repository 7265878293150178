import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../../src/protocol/close-codes.js';
import { startTestHub, type TestHub } from '../../helpers/hub.js';
import { rawLink, sampleFacts } from '../../helpers/raw-link.js';
import { nextEvent } from '../../helpers/wait.js';
import { testWorker } from '../../helpers/worker.js';
import { PROTOCOL_VERSION } from '../../../src/protocol/messages.js';

let hubs: TestHub[] = [];
afterEach(async () => {
  await Promise.all(hubs.map((h) => h.stop()));
  hubs = [];
});

describe('liveness', () => {
  it('marks a machine offline (power unknown) after the deadline without a heartbeat, and online again on reconnect', async () => {
    const t = await startTestHub({ env: { PIA_HEARTBEAT_S: '0.1', PIA_OFFLINE_AFTER_S: '0.4' } });
    hubs.push(t);
    const { body } = await t.api<{ joinToken: string }>('POST', '/api/machines', { name: 'quiet' });

    // A link that says hello and then never heartbeats, like a machine that froze.
    const link = rawLink(t.linkUrl);
    await link.opened;
    link.ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, auth: { kind: 'join', token: body.joinToken }, facts: sampleFacts() }));
    const welcome = (await link.next()) as { secret: string };
    const started = Date.now();
    const offline = await nextEvent(t.pia.events, 'machine.offline', (e) => e.machine === 'quiet', 3000);
    const took = Date.now() - started;
    expect(offline.reason).toMatch(/no heartbeat for/);
    expect(took).toBeGreaterThanOrEqual(350);
    expect((await link.closed).code).toBe(CloseCode.heartbeatTimeout);
    const after = await t.api<{ machine: { status: string; powerState: string; lastSeen: string } }>('GET', '/api/machines/quiet');
    expect(after.body.machine).toMatchObject({ status: 'offline', powerState: 'unknown' });
    expect(after.body.machine.lastSeen).not.toBeNull();

    // The same machine comes back with its secret: online again.
    const again = rawLink(t.linkUrl);
    await again.opened;
    const online = nextEvent(t.pia.events, 'machine.online', (e) => e.machine === 'quiet');
    again.ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, auth: { kind: 'secret', secret: welcome.secret }, facts: sampleFacts() }));
    await online;
    expect((await t.api<{ machine: { status: string } }>('GET', '/api/machines/quiet')).body.machine.status).toBe('online');
    again.ws.close();
  });

  it('a heartbeating worker stays online past the deadline', async () => {
    const t = await startTestHub({ env: { PIA_HEARTBEAT_S: '0.05', PIA_OFFLINE_AFTER_S: '0.3' } });
    hubs.push(t);
    const { body } = await t.api<{ joinToken: string }>('POST', '/api/machines', { name: 'alive' });
    const worker = testWorker({ hub: t.linkUrl, join: body.joinToken });
    let offlines = 0;
    t.pia.events.on('machine.offline', () => offlines++);
    const online = nextEvent(t.pia.events, 'machine.online');
    void worker.run();
    await online;
    await new Promise((r) => setTimeout(r, 1000)); // three deadlines
    expect(offlines).toBe(0);
    const seen = (await t.api<{ machine: { lastSeen: string } }>('GET', '/api/machines/alive')).body.machine.lastSeen;
    expect(Date.now() - Date.parse(seen)).toBeLessThan(300);
    await worker.stop();
  });

  it('a second link from the same machine replaces the first', async () => {
    const t = await startTestHub();
    hubs.push(t);
    const { body } = await t.api<{ joinToken: string }>('POST', '/api/machines', { name: 'dup' });
    const first = rawLink(t.linkUrl);
    await first.opened;
    first.ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, auth: { kind: 'join', token: body.joinToken }, facts: sampleFacts() }));
    const { secret } = (await first.next()) as { secret: string };
    const second = rawLink(t.linkUrl);
    await second.opened;
    second.ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, auth: { kind: 'secret', secret }, facts: sampleFacts('other-host') }));
    expect((await first.closed).code).toBe(CloseCode.replaced);
    await second.next();
    const m = (await t.api<{ machine: { status: string; facts: { hostname: string } } }>('GET', '/api/machines/dup')).body.machine;
    expect(m.status).toBe('online');
    expect(m.facts.hostname).toBe('other-host');
    second.ws.close();
  });
});
