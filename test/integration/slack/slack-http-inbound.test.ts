import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackAdapter, type SlackAdapter } from '../../../src/bot/slack/slack-adapter.js';
import type { SlackRequestHandler } from '../../../src/bot/slack/http-receiver.js';
import { silentLogger } from '../../../src/common/logger.js';
import {
  signedCommand,
  signedEvent,
  signedInteraction,
  slackSignature,
  startFakeSlack,
  type FakeSlack,
  type SignedSlackRequest,
} from '../../helpers/fake-slack.js';
import { blockActions, commandFields, eventEnvelope } from './payloads.js';
import { recordingCore, type RecordingCore } from './recording-core.js';

// A real Bolt app in HTTP mode, driven through the request handler the hub mounts, with Slack's Web API faked.
const secret = 'test-signing-secret-1234';

async function startAdapter(slack: FakeSlack, rec: RecordingCore): Promise<{ adapter: SlackAdapter; handle: SlackRequestHandler }> {
  const adapter = createSlackAdapter({
    mode: 'http',
    botToken: slack.botToken,
    signingSecret: secret,
    apiUrl: slack.apiUrl,
    core: rec.core,
    log: silentLogger(),
  });
  await adapter.start();
  const route = adapter.routes?.[0];
  if (!route) throw new Error('HTTP mode has no route');
  return { adapter, handle: route.handle };
}

/** Sends a signed request the way Slack would and times the answer (Slack gives up after 3 s). */
async function send(handle: SlackRequestHandler, req: SignedSlackRequest) {
  const started = performance.now();
  const res = await handle(req.rawBody, req.headers);
  return { ...res, ms: performance.now() - started };
}

describe('Slack adapter, HTTP mode: what reaches the core', () => {
  let slack: FakeSlack;
  let rec: RecordingCore;
  let adapter: SlackAdapter;
  let handle: SlackRequestHandler;
  let releaseCore: () => void = () => undefined;
  const coreBlocked = new Promise<void>((resolve) => (releaseCore = resolve));

  beforeAll(async () => {
    slack = await startFakeSlack();
    // The core takes its time on the first command: the adapter must still answer Slack at once.
    rec = recordingCore(async (inbound) => {
      if (inbound.text.startsWith('slow')) await coreBlocked;
    });
    ({ adapter, handle } = await startAdapter(slack, rec));
  });
  afterAll(async () => {
    releaseCore();
    await adapter?.stop();
    await slack?.close();
  });

  it('checks the bot token with auth.test when it starts', () => {
    expect(slack.callsTo('auth.test')).toHaveLength(1);
  });

  it('hands /pia to the core as the right Inbound and acknowledges before the core is done', async () => {
    const res = await send(handle, signedCommand(secret, commandFields(slack, 'slow run m1 -- npm test &amp;&amp; echo &lt;ok&gt;')));
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(3000);
    expect(await rec.nthHandled(1)).toEqual({
      actor: 'slack:U42',
      displayName: 'ada',
      text: 'slow run m1 -- npm test && echo <ok>',
      where: { channel: 'C1' },
      isReply: false,
    });
  });

  it('turns a mention into a command without the bot mention, with links, mentions and entities decoded', async () => {
    const text =
      '<@UPIABOT> deploy <https://github.com/acme/app|github.com/acme/app> and <https://example.com/a?b=1&amp;c=2> ' +
      'to <#C9|ops> for <@U77> &amp; <@U78|bob>, tell <!here> &lt;now&gt;';
    const res = await send(handle, signedEvent(secret, eventEnvelope(slack, { type: 'app_mention', user: 'U42', text, channel: 'C1', ts: '1700000000.000200' })));
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(3000);
    expect(await rec.nthHandled(2)).toEqual({
      actor: 'slack:U42',
      text: 'deploy https://github.com/acme/app and https://example.com/a?b=1&c=2 to #ops for @U77 & @U78, tell @here <now>',
      where: { channel: 'C1' },
      isReply: false,
    });
  });

  it('answers a mention inside a thread in that thread', async () => {
    const event = { type: 'app_mention', user: 'U42', text: 'status <@UPIABOT>', channel: 'C1', ts: '1700000000.000301', thread_ts: '1700000000.000100' };
    await send(handle, signedEvent(secret, eventEnvelope(slack, event)));
    expect(await rec.nthHandled(3)).toEqual({
      actor: 'slack:U42',
      text: 'status',
      where: { channel: 'C1', thread: '1700000000.000100' },
      isReply: false,
    });
  });

  it('turns a person\'s reply in a thread PIA started into a reply', async () => {
    const event = {
      type: 'message',
      user: 'U42',
      text: 'yes, <https://x.test/log|the log> please',
      channel: 'C1',
      channel_type: 'channel',
      ts: '1700000000.000400',
      thread_ts: '1700000000.000100',
      parent_user_id: 'UPIABOT',
    };
    const res = await send(handle, signedEvent(secret, eventEnvelope(slack, event)));
    expect(res.status).toBe(200);
    expect(await rec.nthHandled(4)).toEqual({
      actor: 'slack:U42',
      text: 'yes, https://x.test/log please',
      where: { channel: 'C1', thread: '1700000000.000100' },
      isReply: true,
    });
  });

  it('turns a direct message to PIA into a command', async () => {
    const event = { type: 'message', user: 'U42', text: 'machines', channel: 'D1', channel_type: 'im', ts: '1700000000.000500' };
    await send(handle, signedEvent(secret, eventEnvelope(slack, event)));
    expect(await rec.nthHandled(5)).toEqual({ actor: 'slack:U42', text: 'machines', where: { channel: 'D1' }, isReply: false });
  });

  it('decodes an address Slack auto-linked as mail back to what was typed', async () => {
    const text = 'deploy <mailto:git@github.com|git@github.com>:acme/app.git m2 fix it';
    await send(handle, signedCommand(secret, commandFields(slack, text)));
    expect((await rec.nthHandled(6)).text).toBe('deploy git@github.com:acme/app.git m2 fix it');
  });

  it('hands a button press to the core and acknowledges it at once', async () => {
    // The second button of a kind is rendered as cancel_task#1 (Slack wants unique action ids): the core sees cancel_task.
    const payload = blockActions(slack, { actionId: 'cancel_task#1', value: 'task-7' }, { channel: 'C1', messageTs: '1700000000.000600', threadTs: '1700000000.000100' });
    const res = await send(handle, signedInteraction(secret, payload));
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(3000);
    expect(await rec.nthPressed(1)).toEqual({
      actor: 'slack:U42',
      actionId: 'cancel_task',
      value: 'task-7',
      where: { channel: 'C1', thread: '1700000000.000100' },
    });
  });

  it('takes a button on a thread\'s first message as pressed in that thread', async () => {
    const payload = blockActions(slack, { actionId: 'wake_machine', value: 'm2' }, { channel: 'C1', messageTs: '1700000000.000700' });
    await send(handle, signedInteraction(secret, payload));
    expect(await rec.nthPressed(2)).toMatchObject({ actionId: 'wake_machine', value: 'm2', where: { channel: 'C1', thread: '1700000000.000700' } });
  });

  it('refuses a forged signature with 401 and never calls the core', async () => {
    const before = rec.handled.length;
    const req = signedCommand('not-the-secret', commandFields(slack, 'run m1 -- rm -rf /'));
    const res = await send(handle, req);
    expect(res.status).toBe(401);
    const tampered = signedCommand(secret, commandFields(slack, 'machines'));
    const res2 = await send(handle, { ...tampered, rawBody: tampered.rawBody.replace('machines', 'run+m1') });
    expect(res2.status).toBe(401);
    const unsigned = await send(handle, { rawBody: tampered.rawBody, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(unsigned.status).toBe(401);
    expect(rec.handled.length).toBe(before);
  });

  it('refuses a timestamp 6 minutes old, or 6 minutes ahead, with 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await send(handle, signedCommand(secret, commandFields(slack, 'machines'), now - 360))).status).toBe(401);
    expect((await send(handle, signedCommand(secret, commandFields(slack, 'machines'), now + 360))).status).toBe(401);
    // Within the window is fine: 4 minutes old.
    expect((await send(handle, signedCommand(secret, commandFields(slack, 'machines'), now - 240))).status).toBe(200);
  });

  it("answers Slack's URL verification with the challenge", async () => {
    const res = await send(handle, signedEvent(secret, { token: 'x', type: 'url_verification', challenge: 'c-123' }));
    expect(res).toMatchObject({ status: 200, body: JSON.stringify({ challenge: 'c-123' }) });
  });

  it('answers 400 to a signed body that does not parse', async () => {
    const broken = '{"type": "event_callback",';
    const res = await send(handle, { rawBody: broken, headers: { 'content-type': 'application/json', ...slackSignature(secret, broken) } });
    expect(res.status).toBe(400);
  });
});

describe('Slack adapter, HTTP mode: what never reaches the core', () => {
  it('ignores bots, edits, joins, thread parents, other people\'s threads and channel chatter; drops retried events', async () => {
    const slack = await startFakeSlack();
    const rec = recordingCore();
    const { adapter, handle } = await startAdapter(slack, rec);
    try {
      const base = { type: 'message', channel: 'C1', channel_type: 'channel', text: 'hello' };
      const ignored = [
        { ...base, bot_id: 'B9', ts: '1.1', thread_ts: '1.0' },
        { ...base, user: 'U42', subtype: 'message_changed', ts: '1.2', thread_ts: '1.0' },
        { ...base, user: 'U42', subtype: 'channel_join', ts: '1.3' },
        { ...base, user: 'U42', ts: '1.0', thread_ts: '1.0' },
        { ...base, user: 'U42', ts: '1.4', thread_ts: '1.0', parent_user_id: 'U77' },
        { ...base, user: 'U42', ts: '1.5' },
        // A reply that mentions PIA also arrives as app_mention; the message copy must not run it twice.
        { ...base, user: 'U42', text: '<@UPIABOT> status', ts: '1.6', thread_ts: '1.0', parent_user_id: 'UPIABOT' },
      ];
      for (const event of ignored) {
        expect((await handle(...args(signedEvent(secret, eventEnvelope(slack, event))))).status).toBe(200);
      }
      const reply = eventEnvelope(slack, { ...base, user: 'U42', text: 'go', ts: '1.7', thread_ts: '1.0', parent_user_id: 'UPIABOT' }, 'EvSame');
      await handle(...args(signedEvent(secret, reply)));
      const retry = signedEvent(secret, reply);
      await handle(retry.rawBody, { ...retry.headers, 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    } finally {
      // stop() waits for requests in progress: after it, every listener has run.
      await adapter.stop();
      await slack.close();
    }
    expect(rec.handled).toEqual([{ actor: 'slack:U42', text: 'go', where: { channel: 'C1', thread: '1.0' }, isReply: true }]);
  });

  it('answers 503 before start and after stop', async () => {
    const slack = await startFakeSlack();
    const rec = recordingCore();
    const adapter = createSlackAdapter({ mode: 'http', botToken: slack.botToken, signingSecret: secret, apiUrl: slack.apiUrl, core: rec.core, log: silentLogger() });
    const handle = adapter.routes![0]!.handle;
    try {
      expect((await handle(...args(signedCommand(secret, commandFields(slack, 'machines'))))).status).toBe(503);
      await adapter.start();
      expect((await handle(...args(signedCommand(secret, commandFields(slack, 'machines'))))).status).toBe(200);
      await adapter.stop();
      expect((await handle(...args(signedCommand(secret, commandFields(slack, 'machines'))))).status).toBe(503);
    } finally {
      await slack.close();
    }
  });
});

function args(req: SignedSlackRequest): [string, Record<string, string>] {
  return [req.rawBody, req.headers];
}
