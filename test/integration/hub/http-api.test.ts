import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { version } from '../../../src/common/version.js';
import { startTestHub, type TestHub } from '../../helpers/hub.js';
import { nextEvent } from '../../helpers/wait.js';
import { testWorker } from '../../helpers/worker.js';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t.stop();
});

type ErrorBody = { error: { code: string; message: string } };

describe('HTTP API', () => {
  it('GET /api/health needs no token', async () => {
    expect(await t.api('GET', '/api/health', undefined, null)).toEqual({ status: 200, body: { status: 'ok', mode: 'hub', version } });
  });

  it('every other route answers 401 without the right bearer token', async () => {
    for (const [method, path] of [['GET', '/api/machines'], ['GET', '/metrics'], ['DELETE', '/api/machines/x'], ['GET', '/api/audit'], ['GET', '/api/nope']]) {
      const none = await t.api<ErrorBody>(method!, path!, undefined, null);
      expect(none.status).toBe(401);
      expect(none.body.error.code).toBe('unauthorized');
      expect((await t.api(method!, path!, undefined, 'wrong-token-0123456789')).status).toBe(401);
    }
  });

  it('creates, shows, patches and deletes machines, camelCase all the way', async () => {
    const created = await t.api<{ machine: Record<string, unknown>; joinToken: string; expiresAt: string }>('POST', '/api/machines', {
      name: 'soda-monster-hunter',
      aliases: ['m2'],
      capabilities: { mac: 'AA-BB-CC-DD-EE-FF', tags: ['gpu'] },
    });
    expect(created.status).toBe(201);
    expect(created.body.joinToken).toMatch(/^pia_j_/);
    expect(Date.parse(created.body.expiresAt) - Date.now()).toBeGreaterThan(23.9 * 3600_000);
    expect(created.body.machine).toMatchObject({
      name: 'soda-monster-hunter',
      aliases: ['m2'],
      status: 'offline',
      powerState: 'unknown',
      lastSeen: null,
      facts: null,
      capabilities: { mac: 'aa:bb:cc:dd:ee:ff', tags: ['gpu'] },
    });

    // By alias, too.
    const shown = await t.api<{ machine: { name: string } }>('GET', '/api/machines/m2');
    expect(shown.body.machine.name).toBe('soda-monster-hunter');

    const patched = await t.api<{ machine: { capabilities: object } }>('PATCH', '/api/machines/m2', {
      capabilities: { ip: '127.0.0.9', sshPort: 2222, tags: null },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.machine.capabilities).toEqual({ mac: 'aa:bb:cc:dd:ee:ff', ip: '127.0.0.9', sshPort: 2222 });

    const list = await t.api<{ machines: Array<{ name: string }> }>('GET', '/api/machines');
    expect(list.body.machines.map((m) => m.name)).toContain('soda-monster-hunter');

    const del = await t.api('DELETE', '/api/machines/soda-monster-hunter');
    expect(del).toEqual({ status: 200, body: { removed: 'soda-monster-hunter', revoked: 1 } });
    expect((await t.api<ErrorBody>('GET', '/api/machines/m2')).status).toBe(404);
  });

  it('explains bad requests with a code and a message, and the right status', async () => {
    const cases: Array<[string, string, unknown, number, string, RegExp]> = [
      ['POST', '/api/machines', { name: 'Bad Name!' }, 400, 'invalid_request', /name: a machine name is/],
      ['POST', '/api/machines', { name: 'ok', capabilities: { mac: 'zz:zz' } }, 400, 'invalid_request', /capabilities\.mac: "zz:zz" is not a MAC address/],
      ['POST', '/api/machines', { name: 'ok', capabilities: { rootPassword: 'x' } }, 400, 'invalid_request', /rootPassword/],
      ['POST', '/api/machines', '{"name": ', 400, 'invalid_json', /JSON/],
      ['GET', '/api/machines/ghost', undefined, 404, 'machine_unknown', /No machine named "ghost"/],
      ['PATCH', '/api/machines/ghost', { capabilities: {} }, 404, 'machine_unknown', /ghost/],
    ];
    for (const [method, path, body, status, code, message] of cases) {
      const res = await t.api<ErrorBody>(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(status);
      expect(res.body.error.code).toBe(code);
      expect(res.body.error.message).toMatch(message);
    }
    await t.api('POST', '/api/machines', { name: 'twin' });
    const dup = await t.api<ErrorBody>('POST', '/api/machines', { name: 'twin' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('machine_exists');
    const taken = await t.api<ErrorBody>('POST', '/api/machines', { name: 'other', aliases: ['twin'] });
    expect(taken.status).toBe(409);
    expect((await t.api('GET', '/api/machines/other')).status).toBe(404);
  });

  it('suggests the closest name for a typo', async () => {
    await t.api('POST', '/api/machines', { name: 'gpu-tower' });
    const res = await t.api<ErrorBody>('GET', '/api/machines/gpu-towr');
    expect(res.body.error.message).toBe('No machine named "gpu-towr". Did you mean "gpu-tower"?');
  });

  it('GET /metrics speaks Prometheus: machines by status, linked workers, refusals, events', async () => {
    const { body } = await t.api<{ joinToken: string }>('POST', '/api/machines', { name: 'metered' });
    const worker = testWorker({ hub: t.linkUrl, join: body.joinToken });
    const online = nextEvent(t.pia.events, 'machine.online');
    void worker.run();
    await online;
    const res = await fetch(`${t.httpUrl}/metrics`, { headers: { authorization: 'Bearer test-admin-token-0123456789' } });
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^pia_machines\{status="online"\} 1$/m);
    expect(text).toMatch(/^pia_linked_workers 1$/m);
    expect(text).toMatch(/^pia_events_total\{type="machine.online"\} 1$/m);
    expect(text).toContain('# TYPE pia_handshakes_refused_total counter');
    await worker.stop();
  });

  it('records admin actions in the audit log', async () => {
    const { body } = await t.api<{ entries: Array<{ actor: string; action: string; target: string; outcome: string; origin: string }> }>('GET', '/api/audit?limit=500');
    expect(body.entries).toContainEqual(expect.objectContaining({ actor: 'admin-token', action: 'machine.remove', target: 'soda-monster-hunter', outcome: 'ok', origin: 'http' }));
    expect((await t.api<ErrorBody>('GET', '/api/audit?limit=0')).status).toBe(400);
  });

  it('the fleet listing shows each machine exactly as its own page does', async () => {
    await t.api('POST', '/api/machines', { name: 'listed', aliases: ['zz', 'aa'], capabilities: { mac: '02:00:00:00:00:0a', tags: ['x'] } });
    const { body } = await t.api<{ machines: Array<{ name: string }> }>('GET', '/api/machines');
    expect(body.machines.length).toBeGreaterThan(1);
    for (const m of body.machines) {
      const one = await t.api<{ machine: unknown }>('GET', `/api/machines/${m.name}`);
      expect(m).toEqual(one.body.machine);
    }
    expect(body.machines.find((m) => m.name === 'listed')).toMatchObject({ aliases: ['aa', 'zz'] });
  });
});
