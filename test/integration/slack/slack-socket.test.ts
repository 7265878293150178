import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackAdapter, type SlackAdapter, type SlackAdapterDeps } from '../../../src/bot/slack/slack-adapter.js';
import { PiaError } from '../../../src/common/errors.js';
import { silentLogger } from '../../../src/common/logger.js';
import { startFakeSlack, type FakeSlack } from '../../helpers/fake-slack.js';
import { blockActions, commandFields, eventEnvelope } from './payloads.js';
import { recordingCore } from './recording-core.js';

// Socket Mode needs no public URL: the app dials out. Here it dials the fake on loopback, never Slack.

function codeOf(make: () => unknown): string | undefined {
  try {
    make();
  } catch (err) {
    if (err instanceof PiaError) return `${err.code}: ${err.message}`;
    throw err;
  }
  return undefined;
}

describe('Slack adapter configuration', () => {
  const base: SlackAdapterDeps = {
    mode: 'socket',
    botToken: 'xoxb-1',
    // An address nothing listens on: a test that reached it would fail loudly rather than touch the internet.
    apiUrl: 'http://127.0.0.1:9/api/',
    core: recordingCore().core,
    log: silentLogger(),
  };

  it('refuses Socket Mode without an app token, saying where to get one', () => {
    expect(codeOf(() => createSlackAdapter(base))).toMatch(/^config_invalid: .*SLACK_APP_TOKEN.*xapp-/);
  });

  it('refuses tokens of the wrong kind', () => {
    expect(codeOf(() => createSlackAdapter({ ...base, appToken: 'xoxb-2' }))).toMatch(/^config_invalid: .*"xapp-"/);
    expect(codeOf(() => createSlackAdapter({ ...base, botToken: 'xapp-1', appToken: 'xapp-2' }))).toMatch(/^config_invalid: .*SLACK_BOT_TOKEN/);
    expect(codeOf(() => createSlackAdapter({ ...base, botToken: '' }))).toMatch(/^config_invalid: SLACK_BOT_TOKEN is not set/);
  });

  it('refuses HTTP mode without a signing secret', () => {
    expect(codeOf(() => createSlackAdapter({ ...base, mode: 'http' }))).toMatch(/^config_invalid: .*SLACK_SIGNING_SECRET/);
  });

  it('builds a Socket Mode adapter without any network I/O and without an HTTP route', async () => {
    const slack = await startFakeSlack();
    try {
      const adapter = createSlackAdapter({ ...base, botToken: slack.botToken, appToken: slack.appToken, apiUrl: slack.apiUrl });
      expect(adapter.routes).toBeUndefined();
      expect(adapter.port.platform).toBe('slack');
      expect(slack.calls).toEqual([]);
      await adapter.stop();
    } finally {
      await slack.close();
    }
  });

  it('reports a rejected bot token at start', async () => {
    const slack = await startFakeSlack();
    try {
      const adapter = createSlackAdapter({ ...base, botToken: 'xoxb-wrong', appToken: slack.appToken, apiUrl: slack.apiUrl });
      const err = await adapter.start().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PiaError);
      expect((err as PiaError).code).toBe('slack_api_failed');
      expect((err as PiaError).message).toMatch(/invalid_auth/);
      expect((err as PiaError).message).toMatch(/SLACK_BOT_TOKEN/);
      await adapter.stop();
    } finally {
      await slack.close();
    }
  });
});

describe('Slack adapter, Socket Mode against a fake socket on loopback', () => {
  let slack: FakeSlack;
  let adapter: SlackAdapter;
  const rec = recordingCore(async (inbound, port) => {
    await port.post(inbound.where, { text: `ok: ${inbound.text}` });
  });

  beforeAll(async () => {
    slack = await startFakeSlack();
    // apiUrl without its trailing slash: the adapter adds it (Slack's client would otherwise build wrong URLs).
    adapter = createSlackAdapter({
      mode: 'socket',
      botToken: slack.botToken,
      appToken: slack.appToken,
      apiUrl: slack.apiUrl.replace(/\/$/, ''),
      core: rec.core,
      log: silentLogger(),
    });
    await adapter.start();
    await slack.socketConnected();
  });
  afterAll(async () => {
    await adapter?.stop();
    await slack?.close();
  });

  it('opened the connection with the app token', () => {
    expect(slack.stats().calls).toMatchObject({ 'auth.test': 1, 'apps.connections.open': 1 });
  });

  it('acknowledges a slash command within the deadline and hands it to the core', async () => {
    const ack = await slack.sendEnvelope('slash_commands', commandFields(slack, 'run m1 -- make'));
    expect(ack.ms).toBeLessThan(3000);
    expect(await rec.nthHandled(1)).toEqual({
      actor: 'slack:U42',
      displayName: 'ada',
      text: 'run m1 -- make',
      where: { channel: 'C1' },
      isReply: false,
    });
  });

  it('takes a mention from the Events API', async () => {
    const envelope = eventEnvelope(slack, { type: 'app_mention', user: 'U43', text: '<@UPIABOT> machines', channel: 'C2', ts: '1700000200.000001' });
    await slack.sendEnvelope('events_api', envelope);
    expect(await rec.nthHandled(2)).toEqual({ actor: 'slack:U43', text: 'machines', where: { channel: 'C2' }, isReply: false });
  });

  it('takes a button press', async () => {
    const payload = blockActions(slack, { actionId: 'confirm', value: 'wake:m3' }, { channel: 'C2', messageTs: '1700000200.000002' });
    const ack = await slack.sendEnvelope('interactive', payload);
    expect(ack.ms).toBeLessThan(3000);
    expect(await rec.nthPressed(1)).toEqual({ actor: 'slack:U42', actionId: 'confirm', value: 'wake:m3', where: { channel: 'C2', thread: '1700000200.000002' } });
  });

  it('posts the core\'s answers through the Web API', async () => {
    await rec.nthHandled(2);
    const texts = () => slack.callsTo('chat.postMessage').map((c) => c.body.text);
    await expect.poll(texts).toEqual(expect.arrayContaining(['ok: run m1 -- make', 'ok: machines']));
  });
});
