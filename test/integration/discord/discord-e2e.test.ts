import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordAdapter, type DiscordAdapter } from '../../../src/bot/discord/discord-adapter.js';
import { silentLogger } from '../../../src/common/logger.js';
import { startFakeDiscord, type FakeDiscord } from '../../helpers/fake-discord.js';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';
import { until } from '../../helpers/wait.js';

// End to end: a real discord.js client on a local gateway, the hub's bot core, a worker running the fake agent.
let fake: FakeDiscord;
let adapter: DiscordAdapter;
let f: TestFleet;

beforeAll(async () => {
  fake = await startFakeDiscord();
  f = await startFleet({ hubEnv: { PIA_OPERATORS: `discord:${fake.person.id}` }, workerEnv: { PIA_AGENT: 'claude' } });
  adapter = createDiscordAdapter({ token: fake.token, applicationId: fake.applicationId, apiUrl: fake.apiUrl, core: f.t.pia.chat, log: silentLogger(), machineNames: () => ['local'] });
  await adapter.start();
});

afterAll(async () => {
  await adapter?.stop();
  await f?.stop();
  await fake?.close();
});

const contentOf = (body: unknown) => (body as { content?: string } | undefined)?.content ?? '';

describe('Discord end to end', () => {
  it('/pia run: deferred reply -> thread -> progress -> final result', async () => {
    const i = fake.slashCommand('run', { machine: 'local', prompt: 'lines=3 fix the flaky test' });
    const ack = await fake.waitForRequest((r) => r.method === 'POST' && r.path === `/interactions/${i.id}/${i.token}/callback`);
    expect(ack.body).toMatchObject({ type: 5 });
    const original = await fake.waitForRequest((r) => r.method === 'PATCH' && r.path.endsWith('/messages/@original'));
    expect(contentOf(original.body)).toMatch(/^Running on local: task \w+/);
    const thread = await fake.waitForRequest((r) => r.method === 'POST' && r.path.endsWith('/threads'));
    const threadId = (thread.response as { id: string }).id;
    const final = await until(
      () => fake.requests.find((r) => r.method === 'POST' && r.path === `/channels/${threadId}/messages` && contentOf(r.body).includes('local: succeeded')),
      15_000,
    );
    expect(contentOf(final.body)).toContain('All done: fixed the flaky test.');
    // The status message in the thread was edited with the live output.
    expect(fake.requests.some((r) => r.method === 'PATCH' && r.path.startsWith(`/channels/${threadId}/messages/`) && contentOf(r.body).includes('line 3'))).toBe(true);
    expect(fake.requests.filter((r) => r.status === 429)).toHaveLength(0);
    expect(fake.requests.filter((r) => r.status === 400)).toHaveLength(0);
  });

  it('a message in the thread continues the agent session', async () => {
    const thread = fake.requests.find((r) => r.method === 'POST' && r.path.endsWith('/threads'))!;
    const threadId = (thread.response as { id: string }).id;
    const finals = () => fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${threadId}/messages` && contentOf(r.body).includes('local: succeeded')).length;
    const before = finals();
    fake.say(threadId, 'now the docs lines=0');
    await until(() => finals() > before, 15_000);
    const [followUp, first] = (await f.t.tasks({ limit: 2 }));
    expect(followUp).toMatchObject({ parentId: first!.id, resumeSession: first!.sessionId, requester: `discord:${fake.person.id}` });
  });
});
