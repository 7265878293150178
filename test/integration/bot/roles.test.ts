import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommand } from '../../../src/commands/parse.js';
import type { Command } from '../../../src/commands/command.js';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';

let f: TestFleet;
beforeAll(async () => {
  f = await startFleet({ hubEnv: { PIA_ADMINS: 'slack:UADMIN', PIA_OPERATORS: 'discord:42,email:Ops@Example.com', PIA_VIEWERS: 'slack:UVIEW' } });
});
afterAll(async () => {
  await f.stop();
});

const cmd = (text: string): Command => {
  const p = parseCommand(text);
  if (!p.ok) throw new Error(p.error);
  return p.command;
};
const as = (identity: string, kind = 'slack') => ({ identity, origin: { kind, ref: 'C1/1.2' } });

describe('who may do what', () => {
  it('viewers read, operators run and wake, admins also run commands; every refusal is audited', async () => {
    const viewer = await f.t.hub.actions.execute(cmd('run local lines=0'), as('slack:UVIEW'));
    expect(viewer).toEqual({ kind: 'refused', text: '`run` needs the operator role; you are viewer.' });
    expect((await f.t.hub.actions.execute(cmd('status'), as('slack:UVIEW'))).kind).toBe('fleet');

    const operator = await f.t.hub.actions.execute(cmd('run local lines=0'), as('discord:42', 'discord'));
    expect(operator.kind).toBe('tasks_started');
    const sh = await f.t.hub.actions.execute(cmd('sh local -- id'), as('email:ops@example.com', 'mail'));
    expect(sh).toEqual({ kind: 'refused', text: '`sh` needs the admin role; you are operator.' });

    const stranger = await f.t.hub.actions.execute(cmd('status'), as('slack:UNOBODY'));
    expect(stranger).toEqual({ kind: 'refused', text: 'You (slack:UNOBODY) have no role in this PIA. An admin can add you: pia users add slack:UNOBODY viewer' });

    const admin = await f.t.hub.actions.execute(cmd('sh local -- id'), as('slack:UADMIN'));
    expect(admin.kind).toBe('tasks_started');

    const refusals = f.t.hub.audit.list().filter((e) => e.outcome === 'refused').map((e) => `${e.actor} ${e.action} ${e.origin} ${e.detail}`);
    expect(refusals).toEqual(['slack:UNOBODY command.status slack no role', 'email:ops@example.com command.sh mail operator may not sh', 'slack:UVIEW command.run slack viewer may not run']);
    const ran = f.t.hub.audit.list().find((e) => e.action === 'task.run');
    expect(ran).toMatchObject({ actor: 'discord:42', origin: 'discord', outcome: 'ok' });
  });

  it('help lists only what the caller may do; whoami says who and what', async () => {
    const help = await f.t.hub.actions.execute(cmd('help'), as('slack:UVIEW'));
    expect(help.kind === 'text' && help.text).toContain('status [machine]');
    expect(help.kind === 'text' && help.text).not.toContain('run <machine>');
    expect(await f.t.hub.actions.execute(cmd('whoami'), as('discord:42', 'discord'))).toEqual({ kind: 'text', text: 'You are discord:42, operator.' });
  });

  it('pia users add gives a role that wins over the configuration; rm takes it back', async () => {
    const add = await f.t.api<{ user: { identity: string; role: string } }>('POST', '/api/users', { identity: 'slack:UVIEW', role: 'admin' });
    expect(add.status).toBe(201);
    expect(f.t.hub.users.roleOf('slack:UVIEW')).toBe('admin');
    const list = await f.t.api<{ users: Array<{ identity: string; role: string; source: string }> }>('GET', '/api/users');
    expect(list.body.users).toContainEqual({ identity: 'slack:UVIEW', role: 'admin', source: 'users', addedBy: 'admin-token', addedAt: expect.any(String) });
    expect(list.body.users).toContainEqual({ identity: 'email:ops@example.com', role: 'operator', source: 'config' });
    expect((await f.t.api('DELETE', '/api/users/slack%3AUVIEW')).status).toBe(200);
    expect(f.t.hub.users.roleOf('slack:UVIEW')).toBe('viewer');
    const bad = await f.t.api<{ error: { message: string } }>('POST', '/api/users', { identity: 'bob', role: 'admin' });
    expect(bad.body.error.message).toMatch(/is not an identity; use slack:<user id>/);
    const badRole = await f.t.api<{ error: { message: string } }>('POST', '/api/users', { identity: 'slack:U1', role: 'god' });
    expect(badRole.body.error.message).toBe('"god" is not a role; use viewer, operator or admin.');
  });

  it('chat asks before a destructive command, and only the asker can confirm', async () => {
    const ask = await f.t.hub.actions.execute(cmd('restart local'), as('slack:UADMIN'), { confirmFirst: true });
    expect(ask).toMatchObject({ kind: 'confirm', text: 'Restart local?' });
    const token = ask.kind === 'confirm' ? ask.token : '';
    expect(await f.t.hub.actions.confirm(token, as('slack:UOTHER'))).toEqual({ kind: 'refused', text: 'Only the person who asked can confirm.' });
  });
});
