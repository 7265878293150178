import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, ADMIN_TOKEN, type TestHub } from '../../helpers/hub.js';
import { dashboardLink, redeem, signIn } from '../../helpers/web.js';

let t: TestHub;

beforeAll(async () => {
  t = await startTestHub({ env: { PIA_VIEWERS: 'slack:UVIEW', PIA_OPERATORS: 'slack:UOPS', PIA_WEB_SIGNINS_PER_MIN: '1000' } });
  await t.api('POST', '/api/machines', { name: 'm2', capabilities: { mac: 'aa:bb:cc:dd:ee:ff' } });
});
afterAll(() => t?.stop());

const form = (token: string) => ({
  method: 'POST',
  redirect: 'manual' as const,
  headers: { 'content-type': 'application/x-www-form-urlencoded', origin: t.httpUrl },
  body: new URLSearchParams({ token }).toString(),
});

describe('signing in', () => {
  it('a one-time link opens one HttpOnly, SameSite=Strict session, and works once', async () => {
    const url = await dashboardLink(t);
    expect(url).toMatch(new RegExp(`^${t.httpUrl}/login/pia_l_`));
    // Opening the link shows a button; only pressing it uses the link (a mail scanner's GET does not).
    const page = await fetch(url);
    expect(await page.text()).toContain('<button type="submit">Sign in</button>');
    const first = await redeem(t, url);
    expect(first.status).toBe(303);
    expect(first.headers.get('set-cookie')).toMatch(/^pia_session=pia_s_[^;]+; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Strict$/);
    expect((await redeem(t, url)).status).toBe(401);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('the admin token signs in too; a wrong one does not', async () => {
    const ok = await fetch(`${t.httpUrl}/auth/token`, form(ADMIN_TOKEN));
    expect(ok.status).toBe(303);
    const wrong = await fetch(`${t.httpUrl}/auth/token`, form('not-the-token'));
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('That is not the admin token.');
  });

  it('sign-in is rate limited per address', async () => {
    const limited = await startTestHub({ env: { PIA_WEB_SIGNINS_PER_MIN: '3' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await fetch(`${limited.httpUrl}/auth/token`, { ...form('guess'), headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
    } finally {
      await limited.stop();
    }
  });

  it('refuses a sign-in posted from another site', async () => {
    const url = await dashboardLink(t);
    const res = await fetch(`${t.httpUrl}/auth/link`, { ...form(new URL(url).pathname.split('/').pop()!), headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' } });
    expect(res.status).toBe(403);
    // The link was not used up by the refused attempt.
    expect((await redeem(t, url)).status).toBe(303);
  });
});

describe('a session on the API', () => {
  it('reads with the cookie; forged, expired and signed-out sessions are refused', async () => {
    const web = await signIn(t, await dashboardLink(t));
    expect((await web.call('GET', '/api/machines')).status).toBe(200);

    const forged = await fetch(`${t.httpUrl}/api/machines`, { headers: { cookie: 'pia_session=pia_s_forged' } });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ error: { code: 'session_invalid' } });
    const page = await (await fetch(`${t.httpUrl}/`, { headers: { cookie: 'pia_session=pia_s_forged' } })).text();
    expect(page).toContain('Your session has ended; sign in again.');

    const other = await signIn(t, await dashboardLink(t));
    t.db().prepare("UPDATE web_sessions SET expires_at = '2000-01-01T00:00:00.000Z'").run();
    expect((await other.call('GET', '/api/machines')).status).toBe(401);

    const third = await signIn(t, await dashboardLink(t));
    expect((await third.call('POST', '/auth/logout')).status).toBe(200);
    expect((await third.call('GET', '/api/machines')).status).toBe(401);
  });

  it('an expired link signs nobody in', async () => {
    const url = await dashboardLink(t);
    t.db().prepare("UPDATE web_links SET expires_at = '2000-01-01T00:00:00.000Z' WHERE used_at IS NULL").run();
    expect((await redeem(t, url)).status).toBe(401);
  });

  it('refuses a change without the CSRF token, with a wrong one, or from another origin', async () => {
    const web = await signIn(t, await dashboardLink(t));
    const whoami = { command: { name: 'whoami' } };
    const refused = [
      await web.call('POST', '/api/commands', whoami, { 'x-csrf-token': '' }),
      await web.call('POST', '/api/commands', whoami, { 'x-csrf-token': 'wrong' }),
      await web.call('POST', '/api/commands', whoami, { origin: 'https://evil.example' }),
      await web.call('POST', '/api/commands', whoami, { 'sec-fetch-site': 'cross-site' }),
    ];
    for (const r of refused) expect(r).toMatchObject({ status: 403, body: { error: { code: 'csrf_refused' } } });
    expect(await web.call('POST', '/api/commands', whoami)).toMatchObject({ status: 200, body: { result: { kind: 'text', text: 'You are admin-token, admin.' } } });
  });
});

describe('roles', () => {
  it('a viewer reads but every change is refused, by the API and in the audit log', async () => {
    const viewer = await signIn(t, await dashboardLink(t, 'slack:UVIEW'));
    expect((await viewer.call('GET', '/api/machines/m2')).status).toBe(200);
    expect(await viewer.call('POST', '/api/machines/m2/wake')).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect(await viewer.call('PATCH', '/api/machines/m2', { capabilities: { mac: null } })).toMatchObject({ status: 403 });
    expect(await viewer.call('POST', '/api/tasks', { kind: 'run', machine: 'm2', prompt: 'x' })).toMatchObject({ status: 403 });
    expect(await viewer.call('POST', '/api/commands', { command: { name: 'wake', machine: { kind: 'name', name: 'm2' } } })).toMatchObject({
      status: 200,
      body: { result: { kind: 'refused', text: '`wake` needs the operator role; you are viewer.' } },
    });
    expect((await t.machine('m2')).capabilities.mac).toBe('aa:bb:cc:dd:ee:ff');
    const { body } = await t.api<{ entries: Array<{ actor: string; action: string; outcome: string; origin: string }> }>('GET', '/api/audit?limit=5');
    expect(body.entries).toContainEqual(expect.objectContaining({ actor: 'slack:UVIEW', action: 'command.wake', outcome: 'refused', origin: 'web' }));
  });

  it('a link gives at most the role asked for; only an admin links someone else; chat channels get no link', async () => {
    const capped = await signIn(t, await dashboardLink(t, 'slack:UOPS', 'viewer'));
    expect(await capped.call('POST', '/api/commands', { command: { name: 'whoami' } })).toMatchObject({ body: { result: { text: 'You are slack:UOPS, viewer.' } } });
    expect(await capped.call('POST', '/api/commands', { command: { name: 'wake', machine: { kind: 'name', name: 'm2' } } })).toMatchObject({ body: { result: { kind: 'refused' } } });

    const ops = await signIn(t, await dashboardLink(t, 'slack:UOPS'));
    expect(await ops.call('POST', '/api/commands', { command: { name: 'dashboard', as: 'slack:UVIEW' } })).toMatchObject({ body: { result: { kind: 'refused', text: 'Only an admin can make a sign-in link for someone else.' } } });
    expect(await t.api('POST', '/api/commands', { text: 'dashboard --as slack:UNOBODY', origin: 'cli' })).toMatchObject({ body: { result: { kind: 'error', code: 'forbidden' } } });
    expect(await t.api('POST', '/api/commands', { text: 'dashboard --as slack:UVIEW --role admin', origin: 'cli' })).toMatchObject({ body: { result: { kind: 'error', code: 'role_invalid' } } });
    expect(await t.api('POST', '/api/commands', { text: 'dashboard', origin: 'slack' })).toMatchObject({ body: { result: { kind: 'refused' } } });
  });

  it('full mode (never asking) is for admins on the page as everywhere: asked for, or a machine’s default', async () => {
    const ops = await signIn(t, await dashboardLink(t, 'slack:UOPS'));
    const full = { kind: 'run', machine: 'm2', prompt: 'x', mode: 'full' };
    expect(await ops.call('POST', '/api/tasks', full)).toMatchObject({ status: 403, body: { error: { code: 'forbidden', message: 'That needs the admin role; you (slack:UOPS) are operator.' } } });
    expect(await ops.call('POST', '/api/commands', { command: { name: 'run', machine: { kind: 'name', name: 'm2' }, prompt: 'x', mode: 'full' } })).toMatchObject({ body: { result: { kind: 'refused' } } });
    await t.api('PATCH', '/api/machines/m2', { capabilities: { defaultMode: 'full' } });
    try {
      expect(await ops.call('POST', '/api/tasks', { kind: 'deploy', repo: 'https://github.com/acme/app', targets: [{ machine: 'm2', prompt: 'x' }] })).toMatchObject({ status: 403 });
      // Choosing a milder mode is the operator's way through.
      expect(await ops.call('POST', '/api/tasks', { ...full, mode: 'ask' })).toMatchObject({ status: 201 });
    } finally {
      await t.api('PATCH', '/api/machines/m2', { capabilities: { defaultMode: null } });
    }
    expect((await t.tasks({ limit: 10 })).filter((x) => x.requester === 'slack:UOPS').map((x) => x.mode)).toEqual(['ask']);
  });

  it('an answer to an approval is the caller’s: a viewer’s is refused, not carried out as the admin token', async () => {
    const viewer = await signIn(t, await dashboardLink(t, 'slack:UVIEW'));
    expect(await viewer.call('POST', '/api/approvals/abcd12', { decision: 'allow' })).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    const ops = await signIn(t, await dashboardLink(t, 'slack:UOPS'));
    // An operator reaches the approvals (this code is unknown); "always" would need an admin.
    expect(await ops.call('POST', '/api/approvals/abcd12', { decision: 'allow' })).toMatchObject({ status: 404, body: { error: { code: 'approval_unknown' } } });
    expect(await ops.call('POST', '/api/approvals/abcd12', { decision: 'allow', scope: 'always' })).toMatchObject({ status: 403 });
  });

  it('a session follows its identity: a role taken away ends what it may do', async () => {
    await t.api('POST', '/api/users', { identity: 'discord:42', role: 'operator' });
    const web = await signIn(t, await dashboardLink(t, 'discord:42'));
    expect((await web.call('GET', '/api/machines')).status).toBe(200);
    await t.api('DELETE', '/api/users/discord%3A42');
    expect(await web.call('GET', '/api/machines')).toMatchObject({ status: 403 });
  });
});

describe('the page', () => {
  it('renders the identity escaped, serves its assets, and streams events to a signed-in browser only', async () => {
    const hostile = 'email:"><script>alert(1)</script>@x.example';
    expect((await t.api('POST', '/api/users', { identity: hostile, role: 'viewer' })).status).toBe(201);
    const web = await signIn(t, await dashboardLink(t, hostile));
    const shell = (await web.call<string>('GET', '/')).body;
    expect(shell).toContain('<script type="module" src="/assets/app.js"></script>');
    expect(shell).toContain('data-identity="email:&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;@x.example"');
    expect(shell).not.toContain('<script>alert(1)');
    expect((await fetch(`${t.httpUrl}/assets/app.js`)).headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${t.httpUrl}/assets/vendor/ansi_up.js`)).status).toBe(200);
    expect((await fetch(`${t.httpUrl}/assets/..%2Fpages.ts`)).status).toBe(404);
    expect((await fetch(`${t.httpUrl}/api/events/stream`)).status).toBe(401);

    const ac = new AbortController();
    const res = await fetch(`${t.httpUrl}/api/events/stream`, { headers: { cookie: web.cookie }, signal: ac.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    await t.api('POST', '/api/machines', { name: 'm9' });
    let text = '';
    while (!text.includes('machine.registered')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain('"data":{"machine":"m9"}');
    ac.abort();
  });
});
