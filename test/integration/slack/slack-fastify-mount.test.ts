import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackAdapter, type SlackAdapter } from '../../../src/bot/slack/slack-adapter.js';
import { mountRawRoutes } from '../../../src/hub/http/raw-routes.js';
import { silentLogger } from '../../../src/common/logger.js';
import { signedCommand, signedInteraction, startFakeSlack, type FakeSlack, type SignedSlackRequest } from '../../helpers/fake-slack.js';
import { blockActions, commandFields } from './payloads.js';
import { recordingCore } from './recording-core.js';

// How the hub serves Slack's HTTP mode from its own Fastify server (mountRawRoutes), checked over real HTTP.
const secret = 'test-signing-secret-9012';

describe('Slack HTTP mode mounted on Fastify', () => {
  let slack: FakeSlack;
  let adapter: SlackAdapter;
  let app: FastifyInstance;
  let url: string;
  const rec = recordingCore();

  beforeAll(async () => {
    slack = await startFakeSlack();
    adapter = createSlackAdapter({ mode: 'http', botToken: slack.botToken, signingSecret: secret, apiUrl: slack.apiUrl, core: rec.core, log: silentLogger() });
    await adapter.start();
    app = Fastify();
    app.post('/api/echo', async (req) => req.body); // a JSON route outside the Slack scope keeps JSON parsing
    await mountRawRoutes(app, adapter.routes ?? []);
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await adapter?.stop();
    await slack?.close();
  });

  const post = (req: SignedSlackRequest) => fetch(`${url}/slack/events`, { method: 'POST', headers: req.headers, body: req.rawBody });

  it('accepts a signed slash command and reaches the core', async () => {
    const res = await post(signedCommand(secret, commandFields(slack, 'logs t1 &amp; more')));
    expect(res.status).toBe(200);
    expect(await rec.nthHandled(1)).toMatchObject({ actor: 'slack:U42', text: 'logs t1 & more', where: { channel: 'C1' } });
  });

  it('accepts a button press (form field payload)', async () => {
    const res = await post(signedInteraction(secret, blockActions(slack, { actionId: 'dismiss', value: 'x' }, { channel: 'C1', messageTs: '1.5' })));
    expect(res.status).toBe(200);
    expect(await rec.nthPressed(1)).toMatchObject({ actionId: 'dismiss', value: 'x' });
  });

  it('answers 401 to a forged request', async () => {
    const res = await post(signedCommand('forged', commandFields(slack, 'machines')));
    expect(res.status).toBe(401);
  });

  it('leaves JSON parsing alone outside the Slack scope', async () => {
    const res = await fetch(`${url}/api/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(await res.json()).toEqual({ a: 1 });
  });
});
