import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalView } from '../../../src/protocol/api.js';
import { signedCommand, signedInteraction, startFakeSlack, type FakeMessage, type FakeSlack, type SignedSlackRequest } from '../../helpers/fake-slack.js';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';
import { until } from '../../helpers/wait.js';
import { blockActions, commandFields } from './payloads.js';

// Approvals end to end on Slack: a real Bolt app on the hub's server receiving signed requests, Slack's side faked
// on loopback, a worker whose agent speaks Claude Code's control protocol (the stand-in).
const secret = 'approvals-signing-secret-7';
let slack: FakeSlack;
let f: TestFleet;

beforeAll(async () => {
  slack = await startFakeSlack();
  f = await startFleet({
    hubEnv: { PIA_OPERATORS: 'slack:U42', PIA_VIEWERS: 'slack:U7', SLACK_MODE: 'http', SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.apiUrl },
    workerEnv: { PIA_AGENT: 'claude' },
  });
});
afterAll(async () => {
  await f?.stop();
  await slack?.close();
});

const post = (req: SignedSlackRequest) => fetch(`${f.t.httpUrl}/slack/events`, { method: 'POST', headers: req.headers, body: req.rawBody });
type Block = { type: string; text?: { text: string }; elements?: Array<{ action_id: string; value: string; text: { text: string } }> };
const blocksOf = (m: FakeMessage) => (m.blocks ?? []) as Block[];
const buttonsOf = (m: FakeMessage) => blocksOf(m).flatMap((b) => b.elements ?? []);
const sectionText = (m: FakeMessage) => blocksOf(m).filter((b) => b.type === 'section').map((b) => b.text!.text).join('\n');

async function startTask(text: string): Promise<{ parent: FakeMessage; asked: FakeMessage }> {
  const before = slack.messages.length;
  expect((await post(signedCommand(secret, commandFields(slack, text)))).status).toBe(200);
  const parent = await until(() => slack.messages.slice(before).find((m) => !m.thread_ts && m.text.startsWith('Running on local: task')), 10_000);
  const asked = await until(() => slack.messages.find((m) => m.thread_ts === parent.ts && m.text.includes('Approval needed')), 10_000);
  return { parent, asked };
}

describe('approvals on Slack', () => {
  it('buttons in the thread, a ping for the person who asked; a click allows it and the message says who and when', async () => {
    const { parent, asked } = await startTask('run local ask=1 lines=0');
    // One ping, PIA's own, for the person who asked; the rest is escaped text.
    expect(asked.text).toMatch(/^<@U42> ✋ Approval needed \(\w{6}\)/);
    expect(sectionText(asked)).toMatch(/^<@U42> ✋ \*Approval needed\* \((\w{6})\): the agent on local wants to use \*Bash\*\n`touch file-1\.txt`/);
    expect(buttonsOf(asked).map((b) => [b.action_id, b.text.text])).toEqual([
      ['approve_once', 'Allow once'],
      ['approve_task#1', 'Allow for this task'],
      ['approve_always#2', 'Always on this machine'],
      ['deny_approval#3', 'Deny'],
    ]);
    const code = buttonsOf(asked)[0]!.value;
    const status = slack.messages.find((m) => m.thread_ts === parent.ts && m.text.includes('(') && m.text.includes('run on local'))!;
    await until(() => status.text.includes('waiting for approval (1)'), 10_000);

    // A viewer's click is refused, audited, and changes nothing.
    await post(signedInteraction(secret, blockActions(slack, { actionId: 'approve_once', value: code }, { channel: 'C1', messageTs: asked.ts, threadTs: parent.ts }, 'U7')));
    await until(() => slack.messages.find((m) => m.thread_ts === parent.ts && m.text.includes('needs the operator role; you are viewer')), 5000);
    const res = await post(signedInteraction(secret, blockActions(slack, { actionId: 'approve_once', value: code }, { channel: 'C1', messageTs: asked.ts, threadTs: parent.ts })));
    expect(res.status).toBe(200);
    await until(() => asked.text.includes('allowed once by slack:U42'), 10_000);
    expect(sectionText(asked)).toMatch(/^✅ Bash `touch file-1\.txt` \(\w{6}\) allowed once by slack:U42 at \d\d:\d\d:\d\d UTC$/);
    expect(buttonsOf(asked)).toEqual([]);
    const task = (await f.t.tasks({ limit: 1 }))[0]!;
    expect((await f.finished(task.id)).state).toBe('succeeded');
    expect(await f.outputText(task.id, ['stdout'])).toContain('allowed 1\n');
    await until(() => !status.text.includes('waiting for approval'), 10_000);
    expect(slack.stats().rateLimited).toBe(0);
  });

  it('hostile tool input reaches Slack inert: no mention, no link, no escape sequence', async () => {
    const { asked } = await startTask('run local hostile lines=0');
    const text = sectionText(asked);
    expect(text).toContain('`echo ␛[2J␍&lt;!channel&gt; @everyone &lt;@123456789&gt; ˋidˋ &lt;U+202E&gt;evil xxx');
    expect(text.match(/<[@!#]/g)).toEqual(['<@']); // only PIA's own ping of the requester
    expect(text.length).toBeLessThan(3000);
    const deny = buttonsOf(asked).find((b) => b.action_id.startsWith('deny_approval'))!;
    await post(signedInteraction(secret, blockActions(slack, { actionId: deny.action_id, value: deny.value }, { channel: 'C1', messageTs: asked.ts })));
    await until(() => asked.text.includes('denied by slack:U42'), 10_000);
  });

  it('a forged button payload is refused clearly and changes nothing', async () => {
    const { parent, asked } = await startTask('run local ask=1 lines=0');
    const code = buttonsOf(asked)[0]!.value;
    await post(signedInteraction(secret, blockActions(slack, { actionId: 'approve_always', value: `${code}<!channel>` }, { channel: 'C1', messageTs: asked.ts, threadTs: parent.ts })));
    await until(() => slack.messages.find((m) => m.thread_ts === parent.ts && m.text.includes('not one PIA made')), 5000);
    const a = (await f.t.api<{ approval: ApprovalView }>('GET', `/api/approvals/${code}`)).body.approval;
    expect(a.state).toBe('pending');
    await f.t.api('POST', `/api/approvals/${code}`, { decision: 'deny' });
  });
});
