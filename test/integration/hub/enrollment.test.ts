import { statSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../src/hub/registry/audit.js';
import { CloseCode } from '../../../src/protocol/close-codes.js';
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../../helpers/hub.js';
import { rawLink, sampleFacts } from '../../helpers/raw-link.js';
import { nextEvent, until } from '../../helpers/wait.js';
import { testWorker } from '../../helpers/worker.js';
import { PROTOCOL_VERSION } from '../../../src/protocol/messages.js';

let t: TestHub;
beforeEach(async () => {
  t = await startTestHub();
});
afterEach(async () => {
  await t.stop();
});

async function addMachine(name: string): Promise<string> {
  const res = await t.api<{ joinToken: string }>('POST', '/api/machines', { name });
  expect(res.status).toBe(201);
  return res.body.joinToken;
}

async function refusedReason(auth: unknown): Promise<{ code: number; reason: string }> {
  const link = rawLink(t.linkUrl);
  await link.opened;
  link.ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, auth, facts: sampleFacts() }));
  return link.closed;
}

describe('enrollment', () => {
  it('exchanges a join token once for a secret kept with mode 0600, and the machine comes online with its facts', async () => {
    const token = await addMachine('m2');
    const worker = testWorker({ hub: t.linkUrl, join: token, name: 'm2' });
    const online = nextEvent(t.pia.events, 'machine.online', (e) => e.machine === 'm2');
    void worker.run();
    await online;
    await until(() => worker.link.linked); // the worker stores the secret when the welcome arrives

    const file = path.join(worker.stateDir, 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const state = JSON.parse(readFileSync(file, 'utf8'));
    expect(state.machine).toBe('m2');
    expect(state.secret).toMatch(/^pia_s_/);
    // The hub keeps only a hash of the secret.
    const stored = t.db().prepare('SELECT token_hash FROM machine_credentials WHERE kind = ?').pluck().all('secret') as string[];
    expect(stored).toHaveLength(1);
    expect(stored[0]).not.toContain(state.secret);
    expect(stored[0]).toMatch(/^[0-9a-f]{64}$/);

    const { body } = await t.api<{ machine: { status: string; powerState: string; facts: { hostname: string } } }>('GET', '/api/machines/m2');
    expect(body.machine.status).toBe('online');
    expect(body.machine.powerState).toBe('online');
    expect(body.machine.facts.hostname.length).toBeGreaterThan(0);

    // A later start needs only the hub: the secret from the state dir is used, the spent token is not sent again.
    await worker.stop();
    const again = testWorker({ hub: t.linkUrl, stateDir: worker.stateDir });
    const back = nextEvent(t.pia.events, 'machine.online', (e) => e.machine === 'm2');
    void again.run();
    await back;
    await again.stop();
  });

  it('re-running with the same --join keeps the stored secret instead of spending the token again', async () => {
    const token = await addMachine('m3');
    const first = testWorker({ hub: t.linkUrl, join: token });
    const online = nextEvent(t.pia.events, 'machine.online', (e) => e.machine === 'm3');
    void first.run();
    await online;
    await first.stop();
    const second = testWorker({ hub: t.linkUrl, join: token, stateDir: first.stateDir });
    const back = nextEvent(t.pia.events, 'machine.online', (e) => e.machine === 'm3');
    void second.run();
    await back;
    await second.stop();
  });

  it('refuses a used join token, and the second worker never registers', async () => {
    const token = await addMachine('m4');
    const first = testWorker({ hub: t.linkUrl, join: token });
    const online = nextEvent(t.pia.events, 'machine.online');
    void first.run();
    await online;

    const second = testWorker({ hub: t.linkUrl, join: token });
    await expect(second.run()).rejects.toThrow(/already used/);
    const secrets = t.db().prepare("SELECT count(*) FROM machine_credentials WHERE kind = 'secret'").pluck().get();
    expect(secrets).toBe(1);
    await first.stop();
  });

  it('refuses unknown, expired, mismatched and revoked credentials with a clear reason', async () => {
    expect(await refusedReason({ kind: 'join', token: 'pia_j_nope' })).toEqual({ code: CloseCode.authRefused, reason: expect.stringMatching(/unknown join token/) });
    expect(await refusedReason({ kind: 'secret', secret: 'pia_s_nope' })).toEqual({ code: CloseCode.authRefused, reason: expect.stringMatching(/unknown machine secret/) });

    const token = await addMachine('m5');
    expect((await refusedReason({ kind: 'join', token, name: 'other' })).reason).toMatch(/for machine "m5", not "other"/);

    // Expired: a token whose time has passed (the clock is moved by editing the stored expiry).
    const expired = (await t.api<{ joinToken: string }>('POST', '/api/machines/m5/join-token')).body.joinToken;
    t.db().prepare("UPDATE machine_credentials SET expires_at = ? WHERE kind = 'join' AND machine_name = 'm5' AND id = (SELECT max(id) FROM machine_credentials)").run(new Date(Date.now() - 1000).toISOString());
    expect((await refusedReason({ kind: 'join', token: expired })).reason).toMatch(/expired/);

    const worker = testWorker({ hub: t.linkUrl, join: token });
    const online = nextEvent(t.pia.events, 'machine.online');
    const running = worker.run();
    await online;
    const offline = nextEvent(t.pia.events, 'machine.offline', (e) => e.machine === 'm5');
    const revoke = await t.api<{ revoked: number }>('POST', '/api/machines/m5/revoke');
    expect(revoke.body.revoked).toBe(3); // the spent join token, the expired one and the secret
    await offline;
    // The worker stops for good with the hub's reason rather than hammering the hub.
    await expect(running).rejects.toThrow(/revoked/);
    const state = JSON.parse(readFileSync(path.join(worker.stateDir, 'credentials.json'), 'utf8'));
    expect((await refusedReason({ kind: 'secret', secret: state.secret })).reason).toMatch(/revoked/);
    const { body } = await t.api<{ machine: { status: string } }>('GET', '/api/machines/m5');
    expect(body.machine.status).toBe('offline');
  });

  it('a removed machine is refused by name and disappears from the registry', async () => {
    const token = await addMachine('m6');
    const worker = testWorker({ hub: t.linkUrl, join: token });
    const online = nextEvent(t.pia.events, 'machine.online');
    const running = worker.run();
    await online;
    const del = await t.api<{ removed: string }>('DELETE', '/api/machines/m6');
    expect(del).toEqual({ status: 200, body: { removed: 'm6', revoked: 2 } });
    await expect(running).rejects.toThrow(/removed from the fleet/);
    expect((await t.api('GET', '/api/machines/m6')).status).toBe(404);
    const entries = (await t.api<{ entries: AuditEntry[] }>('GET', '/api/audit')).body.entries;
    const audit = entries.map((e) => `${e.actor} ${e.action} ${e.target} ${e.outcome}`);
    expect(audit).toEqual(['admin-token machine.remove m6 ok', 'worker:m6 machine.enroll m6 ok', 'admin-token machine.add m6 ok']);
  });

  it('a worker that is not enrolled says what to do', async () => {
    const worker = testWorker({ hub: t.linkUrl });
    await expect(worker.run()).rejects.toThrow(/not enrolled.*pia machines add/);
    void ADMIN_TOKEN;
  });
});
