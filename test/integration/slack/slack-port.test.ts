import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimited, type ChatPort } from '../../../src/bot/port.js';
import { createSlackAdapter, type SlackAdapter } from '../../../src/bot/slack/slack-adapter.js';
import { PiaError } from '../../../src/common/errors.js';
import { silentLogger } from '../../../src/common/logger.js';
import { signedCommand, signedEvent, startFakeSlack, type FakeSlack } from '../../helpers/fake-slack.js';
import { until } from '../../helpers/wait.js';
import { commandFields, eventEnvelope } from './payloads.js';
import { recordingCore } from './recording-core.js';

// The ChatPort against the fake Slack Web API: threads, edits, files, rate limits, escaping and size limits.
const secret = 'test-signing-secret-5678';

interface Block {
  type: string;
  text?: { type: string; text: string; verbatim?: boolean };
  elements?: { action_id: string; value: string; style?: string; text: { text: string } }[];
}

const blocksOf = (body: Record<string, unknown>): Block[] => body.blocks as Block[];

describe('Slack ChatPort', () => {
  let slack: FakeSlack;
  let adapter: SlackAdapter;
  let port: ChatPort;
  // The core echoes every command into a thread of its own, as the reporter would.
  const rec = recordingCore(async (inbound, p) => {
    await p.post(inbound.where, { text: `You said: ${inbound.text}` });
  });

  beforeAll(async () => {
    slack = await startFakeSlack();
    adapter = createSlackAdapter({ mode: 'http', botToken: slack.botToken, signingSecret: secret, apiUrl: slack.apiUrl, core: rec.core, log: silentLogger() });
    await adapter.start();
    port = adapter.port;
  });
  afterAll(async () => {
    await adapter?.stop();
    await slack?.close();
  });

  it('publishes Slack limits for the reporter', () => {
    expect(port.platform).toBe('slack');
    expect(port.limits).toEqual({ maxMessageChars: 40_000, maxCodeChars: 2_900, postsPerSecond: 1, updatesPerSecond: 0.8, appUpdatesPerSecond: 0.8, burst: 3 });
  });

  it('starts a thread with text, code and buttons, then replies inside it', async () => {
    const posted = await port.post(
      { channel: 'C10' },
      {
        text: 'Task `t1` started on *m1*',
        code: '$ npm test\n> ok',
        buttons: [
          { actionId: 'cancel_task', label: 'Cancel', value: 't1', style: 'danger' },
          { actionId: 'cancel_task', label: 'Cancel all', value: 't*' },
        ],
      },
    );
    expect(posted).toEqual({ thread: { channel: 'C10', thread: posted.id }, id: posted.id });
    const [first] = slack.callsTo('chat.postMessage').slice(-1);
    expect(first!.body.thread_ts).toBeUndefined();
    expect(first!.body.text).toBe('Task `t1` started on *m1*');
    expect(blocksOf(first!.body)).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: 'Task `t1` started on *m1*', verbatim: true } },
      { type: 'section', text: { type: 'mrkdwn', text: '```\n$ npm test\n&gt; ok\n```', verbatim: true } },
      {
        type: 'actions',
        elements: [
          { type: 'button', action_id: 'cancel_task', text: { type: 'plain_text', text: 'Cancel', emoji: true }, value: 't1', style: 'danger' },
          { type: 'button', action_id: 'cancel_task#1', text: { type: 'plain_text', text: 'Cancel all', emoji: true }, value: 't*' },
        ],
      },
    ]);

    const reply = await port.post(posted.thread, { text: 'Task `t1` finished: exit 0' });
    expect(reply.thread).toEqual(posted.thread);
    expect(reply.id).not.toBe(posted.id);
    const [second] = slack.callsTo('chat.postMessage').slice(-1);
    expect(second!.body).toMatchObject({ channel: 'C10', thread_ts: posted.id });
    expect(slack.messages.find((m) => m.ts === reply.id)).toMatchObject({ channel: 'C10', thread_ts: posted.id });
  });

  it('edits a message with chat.update, dropping buttons the new version lacks', async () => {
    const posted = await port.post({ channel: 'C11' }, { text: 'running', buttons: [{ actionId: 'cancel_task', label: 'Cancel', value: 't2' }] });
    await port.update(posted, { text: 'done', code: 'exit 0' });
    const [update] = slack.callsTo('chat.update').slice(-1);
    expect(update!.body).toMatchObject({ channel: 'C11', ts: posted.id, text: 'done' });
    expect(blocksOf(update!.body).map((b) => b.type)).toEqual(['section', 'section']);
    expect(slack.messages.find((m) => m.ts === posted.id)?.text).toBe('done');
  });

  it('attaches a file into the thread through the three upload calls', async () => {
    const posted = await port.post({ channel: 'C12' }, { text: 'Task t3 finished' });
    const content = 'line one\nline two <tag> & more\n';
    await port.attach(posted.thread, { filename: 't3.log', title: 'Task t3 log', content });
    const [getUrl] = slack.callsTo('files.getUploadURLExternal');
    expect(getUrl!.body).toMatchObject({ filename: 't3.log', length: String(Buffer.byteLength(content)) });
    const upload = slack.uploads.find((u) => u.fileId === getUrl!.response.file_id);
    expect(upload?.bytes.toString()).toContain(content);
    const [complete] = slack.callsTo('files.completeUploadExternal');
    expect(complete!.body).toMatchObject({ channel_id: 'C12', thread_ts: posted.id, files: [{ id: getUrl!.response.file_id, title: 'Task t3 log' }] });
  });

  it('turns a 429 from chat.postMessage into RateLimited with the Retry-After time', async () => {
    slack.setLimits({ postsPerSecond: 0.25, postBurst: 1 });
    try {
      const before = slack.stats().rateLimited;
      await port.post({ channel: 'C13' }, { text: 'one' });
      const err = await port.post({ channel: 'C13' }, { text: 'two' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RateLimited);
      // One message per 4 s: the fake asks for 4 s, the reporter is told 4000 ms.
      expect((err as RateLimited).retryAfterMs).toBe(4000);
      expect(slack.stats().rateLimited).toBe(before + 1);
      // The limit is per channel: another channel is not held back.
      await expect(port.post({ channel: 'C14' }, { text: 'elsewhere' })).resolves.toMatchObject({ thread: { channel: 'C14' } });
    } finally {
      slack.setLimits({ postsPerSecond: 1, postBurst: 3 });
    }
  });

  it('turns a 429 from chat.update (Tier 3, 50 a minute) into RateLimited', async () => {
    slack.setLimits({ updatesPerMinute: 50, updateBurst: 2 });
    try {
      const posted = await port.post({ channel: 'C15' }, { text: 'v0' });
      await port.update(posted, { text: 'v1' });
      await port.update(posted, { text: 'v2' });
      const err = await port.update(posted, { text: 'v3' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RateLimited);
      // 60 s / 50 = 1.2 s until the next update, less the time since; Retry-After is whole seconds.
      const [limited] = slack.callsTo('chat.update').filter((c) => c.status === 429);
      expect(limited!.headers['retry-after']).toMatch(/^[12]$/);
      expect((err as RateLimited).retryAfterMs).toBe(Number(limited!.headers['retry-after']) * 1000);
      expect(slack.stats().calls['chat.update']).toBeGreaterThanOrEqual(3);
    } finally {
      slack.setLimits({ updatesPerMinute: 50, updateBurst: 5 });
    }
  });

  it('escapes text so nothing people typed becomes a mention or a link', async () => {
    await port.post({ channel: 'C16' }, { text: 'hi <!channel> & <@U1> <https://evil.test|click> @here', code: 'if a < b && c > d: <!everyone>' });
    const [call] = slack.callsTo('chat.postMessage').slice(-1);
    const sent = JSON.stringify(call!.body);
    expect(sent).not.toMatch(/<!|<@|<http/);
    expect(call!.body.text).toBe('hi &lt;!channel&gt; &amp; &lt;@U1&gt; &lt;https://evil.test|click&gt; @here');
    const [textBlock, codeBlock] = blocksOf(call!.body);
    expect(textBlock!.text).toMatchObject({ verbatim: true });
    expect(codeBlock!.text!.text).toBe('```\nif a &lt; b &amp;&amp; c &gt; d: &lt;!everyone&gt;\n```');
  });

  it('echoes a decoded <!channel> typed by a person back escaped, end to end', async () => {
    // In Slack, a person typing "<!channel>" literally arrives as "&lt;!channel&gt;"; the core sees "<!channel>".
    const res = await adapter.routes![0]!.handle(...flat(signedCommand(secret, commandFields(slack, 'say &lt;!channel&gt; hi', { channel_id: 'C17' }))));
    expect(res.status).toBe(200);
    expect((await rec.nthHandled(1)).text).toBe('say <!channel> hi');
    const call = await waitForCall(slack, (c) => c.method === 'chat.postMessage' && c.body.channel === 'C17');
    expect(call.body.text).toBe('You said: say &lt;!channel&gt; hi');
  });

  it('answers a thread reply inside the same thread (the fake records thread_ts)', async () => {
    const started = await port.post({ channel: 'C18' }, { text: 'Task t9 running' });
    const event = eventEnvelope(slack, {
      type: 'message',
      user: 'U42',
      text: 'status?',
      channel: 'C18',
      channel_type: 'channel',
      ts: '1700000100.000001',
      thread_ts: started.id,
      parent_user_id: slack.botUserId,
    });
    const req = signedEvent(secret, event);
    expect((await adapter.routes![0]!.handle(req.rawBody, req.headers)).status).toBe(200);
    const answer = await waitForCall(slack, (c) => c.method === 'chat.postMessage' && c.body.channel === 'C18' && c.body.thread_ts !== undefined);
    expect(answer.body).toMatchObject({ thread_ts: started.id, text: 'You said: status?' });
  });

  it('keeps every section within 3,000 characters, even when escaping makes code longer', async () => {
    // 2,900 characters of "<" (the reporter's limit) escape to 11,600: the code is split over sections.
    const posted = await port.post({ channel: 'C19' }, { text: 'x'.repeat(39_000), code: '<'.repeat(2_900) });
    const [call] = slack.callsTo('chat.postMessage').slice(-1);
    expect(call!.response.ok).toBe(true);
    const sections = blocksOf(call!.body).filter((b) => b.type === 'section');
    expect(Math.max(...sections.map((b) => b.text!.text.length))).toBeLessThanOrEqual(3000);
    const code = sections.filter((b) => b.text!.text.startsWith('```')).map((b) => b.text!.text.slice(4, -4)).join('');
    expect(code).toBe('&lt;'.repeat(2_900));
    expect(posted.id).toBeTruthy();
  });

  it('turns a refusal into a PiaError that says what happened', async () => {
    const err = await port.update({ thread: { channel: 'C20' }, id: '1.000' }, { text: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PiaError);
    expect((err as PiaError).code).toBe('slack_api_failed');
    expect((err as PiaError).message).toMatch(/chat\.update failed: message_not_found/);
  });
});

describe('the fake Slack enforces the published limits', () => {
  let slack: FakeSlack;
  beforeAll(async () => {
    slack = await startFakeSlack();
  });
  afterAll(async () => {
    await slack?.close();
  });

  const call = async (method: string, body: Record<string, unknown>) => {
    const res = await fetch(slack.apiUrl + method, {
      method: 'POST',
      headers: { authorization: `Bearer ${slack.botToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
  };

  it('refuses a message over 40,000 characters and a section over 3,000', async () => {
    expect((await call('chat.postMessage', { channel: 'C1', text: 'x'.repeat(40_001) })).body).toEqual({ ok: false, error: 'msg_too_long' });
    const section = { type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3_001) } };
    expect((await call('chat.postMessage', { channel: 'C2', text: 'x', blocks: [section] })).body).toEqual({ ok: false, error: 'invalid_blocks' });
  });

  it('allows a short burst per channel, then answers 429 with Retry-After in seconds', async () => {
    for (let i = 0; i < 3; i++) expect((await call('chat.postMessage', { channel: 'C3', text: `m${i}` })).status).toBe(200);
    const limited = await call('chat.postMessage', { channel: 'C3', text: 'm3' });
    expect(limited).toMatchObject({ status: 429, retryAfter: '1', body: { ok: false, error: 'ratelimited' } });
    expect(slack.stats()).toMatchObject({ calls: { 'chat.postMessage': 6 }, rateLimited: 1 });
  });

  it('refuses calls without the bot token', async () => {
    const res = await fetch(`${slack.apiUrl}auth.test`, { method: 'POST' });
    expect(await res.json()).toEqual({ ok: false, error: 'not_authed' });
  });
});

function flat(req: { rawBody: string; headers: Record<string, string> }): [string, Record<string, string>] {
  return [req.rawBody, req.headers];
}

/** Waits for the core's answer to reach the fake: the core runs after Slack was acknowledged, with no event to await. */
function waitForCall(slack: FakeSlack, match: (c: FakeSlack['calls'][number]) => boolean) {
  return until(() => slack.calls.find(match));
}
