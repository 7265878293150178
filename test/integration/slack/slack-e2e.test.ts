import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../src/hub/registry/audit.js';
import { signedCommand, signedEvent, startFakeSlack, type FakeSlack, type SignedSlackRequest } from '../../helpers/fake-slack.js';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';
import { until } from '../../helpers/wait.js';
import { commandFields, eventEnvelope } from './payloads.js';

// End to end: a real Bolt app on the hub's own server, the hub's bot core, a real worker running the fake agent,
// and Slack's side faked (with its published limits) on loopback.
const secret = 'e2e-signing-secret-0042';
let slack: FakeSlack;
let f: TestFleet;

beforeAll(async () => {
  slack = await startFakeSlack();
  // The hub builds its Slack app from its configuration, as `npm start` does; Slack's side is the local fake.
  f = await startFleet({
    hubEnv: { PIA_OPERATORS: 'slack:U42', SLACK_MODE: 'http', SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.apiUrl },
    workerEnv: { PIA_AGENT: 'claude' },
  });
});

afterAll(async () => {
  await f?.stop();
  await slack?.close();
});

const post = (req: SignedSlackRequest) => fetch(`${f.t.httpUrl}/slack/events`, { method: 'POST', headers: req.headers, body: req.rawBody });
const inThread = (ts: string) => slack.messages.filter((m) => m.thread_ts === ts);
const finalText = (text: string) => text.includes('local: succeeded');

describe('Slack end to end', () => {
  it('/pia run local fills a thread: the start, a live tail, the final result with what the agent did', async () => {
    const started = Date.now();
    const res = await post(signedCommand(secret, commandFields(slack, 'run local "lines=3 fix the flaky test"')));
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(3000);

    const parent = await until(() => slack.messages.find((m) => m.channel === 'C1' && !m.thread_ts && m.text.startsWith('Running on local: task')), 5000);
    const final = await until(() => inThread(parent.ts).find((m) => finalText(m.text)), 15_000);
    expect(final.text).toContain('All done: fixed the flaky test.');
    expect(final.text).toContain('$0.0123');
    // The status message was edited in place with the live tail and the steps.
    const edits = slack.callsTo('chat.update').map((c) => JSON.stringify(c.body));
    expect(edits.some((e) => e.includes('line 3'))).toBe(true);
    expect(slack.stats().rateLimited).toBe(0);
  });

  it('a reply in the thread continues the same agent session', async () => {
    const parent = slack.messages.find((m) => m.channel === 'C1' && !m.thread_ts && m.text.startsWith('Running on local: task'))!;
    const before = inThread(parent.ts).filter((m) => finalText(m.text)).length;
    const reply = eventEnvelope(slack, { type: 'message', channel: 'C1', user: 'U42', text: 'now the docs lines=0', ts: '1700000100.000200', thread_ts: parent.ts, parent_user_id: slack.botUserId });
    expect((await post(signedEvent(secret, reply))).status).toBe(200);
    await until(() => inThread(parent.ts).filter((m) => finalText(m.text)).length > before, 15_000);
    const [followUp, first] = (await f.t.tasks({ limit: 2 }));
    expect(followUp).toMatchObject({ parentId: first!.id, resumeSession: first!.sessionId, requester: 'slack:U42', prompt: 'now the docs lines=0' });
  });

  it('someone without a role is refused, and the refusal is audited', async () => {
    await post(signedCommand(secret, commandFields(slack, 'run local lines=0', { user_id: 'U999' })));
    const refusal = await until(() => slack.messages.find((m) => m.text.includes('slack:U999') && m.text.includes('no role')), 5000);
    expect(refusal.text).toContain('pia users add slack:U999 operator');
    expect((await f.t.api<{ entries: AuditEntry[] }>('GET', '/api/audit')).body.entries.find((e) => e.actor === 'slack:U999')).toMatchObject({ outcome: 'refused', origin: 'slack' });
  });

  it('a forged signature is refused before anything runs', async () => {
    const before = (await f.t.tasks({ limit: 100 })).length;
    const forged = signedCommand('not-the-secret', commandFields(slack, 'run local lines=0'));
    expect((await post(forged)).status).toBe(401);
    expect((await f.t.tasks({ limit: 100 }))).toHaveLength(before);
  });
});
