import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../src/hub/registry/audit.js';
import { testChat, type TestChat } from '../../helpers/chat.js';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';

let f: TestFleet;
let slack: TestChat;
let discord: TestChat;
let mail: TestChat;
beforeAll(async () => {
  f = await startFleet({ hubEnv: { PIA_ADMINS: 'slack:UADMIN', PIA_OPERATORS: 'discord:42,email:Ops@Example.com', PIA_VIEWERS: 'slack:UVIEW' } });
  slack = testChat(f.t.pia.chat, 'slack');
  discord = testChat(f.t.pia.chat, 'discord');
  mail = testChat(f.t.pia.chat, 'mail');
});
afterAll(async () => {
  await f.stop();
});

const audit = async () => (await f.t.api<{ entries: AuditEntry[] }>('GET', '/api/audit?limit=1000')).body.entries;

describe('who may do what', () => {
  it('viewers read, operators run and wake, admins also run commands; every refusal is audited', async () => {
    expect((await slack.say('slack:UVIEW', 'run local lines=0')).text).toBe('⛔ `run` needs the operator role; you are viewer.');
    expect((await slack.say('slack:UVIEW', 'status')).text).toBe('1 of 1 machine(s) online.');

    expect((await discord.say('discord:42', 'run local lines=0')).text).toMatch(/^Running on local: task [a-z0-9]+ (queued|dispatched)$/);
    expect((await mail.say('email:ops@example.com', 'sh local -- id')).text).toBe('⛔ `sh` needs the admin role; you are operator.');

    expect((await slack.say('slack:UNOBODY', 'status')).text).toBe('⛔ You (slack:UNOBODY) have no role in this PIA. An admin can add you: pia users add slack:UNOBODY viewer');

    // An admin's `sh` from chat asks first; the confirmation runs it.
    const ask = await slack.say('slack:UADMIN', 'sh local -- id');
    expect(ask.text).toBe('Run `id` on local? This cannot be undone from here.');
    expect((await slack.press('slack:UADMIN', ask, 'Confirm')).text).toMatch(/^Running on local: task [a-z0-9]+/);

    const entries = await audit();
    const refusals = entries.filter((e) => e.outcome === 'refused').map((e) => `${e.actor} ${e.action} ${e.origin} ${e.detail}`);
    expect(refusals).toEqual(['slack:UNOBODY command.status slack no role', 'email:ops@example.com command.sh mail operator may not sh', 'slack:UVIEW command.run slack viewer may not run']);
    expect(entries.find((e) => e.action === 'task.run')).toMatchObject({ actor: 'discord:42', origin: 'discord', outcome: 'ok' });
    expect(entries.find((e) => e.action === 'task.shell')).toMatchObject({ actor: 'slack:UADMIN', origin: 'slack', outcome: 'ok' });
  });

  it('help lists only what the caller may do; whoami says who and what', async () => {
    const help = await slack.say('slack:UVIEW', 'help');
    expect(help.text).toContain('status [machine]');
    expect(help.text).not.toContain('run <machine>');
    expect((await discord.say('discord:42', 'whoami')).text).toBe('You are discord:42, operator.');
  });

  it('pia users add gives a role that wins over the configuration; rm takes it back', async () => {
    const add = await f.t.api<{ user: { identity: string; role: string } }>('POST', '/api/users', { identity: 'slack:UVIEW', role: 'admin' });
    expect(add.status).toBe(201);
    expect((await slack.say('slack:UVIEW', 'whoami')).text).toBe('You are slack:UVIEW, admin.');
    const list = await f.t.api<{ users: Array<{ identity: string; role: string; source: string }> }>('GET', '/api/users');
    expect(list.body.users).toContainEqual({ identity: 'slack:UVIEW', role: 'admin', source: 'users', addedBy: 'admin-token', addedAt: expect.any(String) });
    expect(list.body.users).toContainEqual({ identity: 'email:ops@example.com', role: 'operator', source: 'config' });
    expect((await f.t.api('DELETE', '/api/users/slack%3AUVIEW')).status).toBe(200);
    expect((await slack.say('slack:UVIEW', 'whoami')).text).toBe('You are slack:UVIEW, viewer.');
    const bad = await f.t.api<{ error: { message: string } }>('POST', '/api/users', { identity: 'bob', role: 'admin' });
    expect(bad.body.error.message).toMatch(/is not an identity; use slack:<user id>/);
    const badRole = await f.t.api<{ error: { message: string } }>('POST', '/api/users', { identity: 'slack:U1', role: 'god' });
    expect(badRole.body.error.message).toBe('"god" is not a role; use viewer, operator or admin.');
  });

  it('chat asks before a destructive command, and only the asker can confirm', async () => {
    const ask = await slack.say('slack:UADMIN', 'restart local');
    expect(ask.text).toBe('Restart local? This cannot be undone from here.');
    expect(ask.buttons.map((b) => b.label)).toEqual(['Confirm', 'Dismiss']);
    expect((await slack.press('slack:UOTHER', ask, 'Confirm')).text).toBe('⛔ Only the person who asked can confirm.');
  });
});
