import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordAdapter, type DiscordAdapter } from '../../../src/bot/discord/discord-adapter.js';
import { silentLogger } from '../../../src/common/logger.js';
import { startFakeDiscord, type FakeDiscord } from '../../helpers/fake-discord.js';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';
import { until } from '../../helpers/wait.js';

// Approvals end to end on Discord: a real discord.js client on the fake gateway, the hub's chat core, a worker whose
// agent speaks Claude Code's control protocol (the stand-in).
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

type Row = { components: Array<{ label: string; custom_id: string }> };
const buttons = (m: { components: unknown[] }) => (m.components as Row[]).flatMap((r) => r.components);
const posted = (threadId: string, text: string) =>
  until(() => [...fake.messages.values()].find((m) => m.channel_id === threadId && m.content.includes(text)), 10_000);

async function start(prompt: string, options: Record<string, string | boolean> = {}): Promise<string> {
  const before = fake.requests.length;
  fake.slashCommand('run', { machine: 'local', prompt, ...options });
  const thread = await until(() => fake.requests.slice(before).find((r) => r.method === 'POST' && r.path.endsWith('/threads')), 10_000);
  return (thread.response as { id: string }).id;
}

describe('approvals on Discord', () => {
  it('buttons in the thread; the person who asked is pinged, nobody else; a press answers, and the message is edited', async () => {
    const threadId = await start('ask=1 lines=0', { mode: 'edits' });
    const asked = await posted(threadId, 'Approval needed');
    expect(asked.content).toMatch(new RegExp(`^<@${fake.person.id}> ✋ \\*\\*Approval needed\\*\\* \\(\\w{6}\\)`));
    const sent = fake.requests.find((r) => r.method === 'POST' && r.path === `/channels/${threadId}/messages` && JSON.stringify(r.body).includes('Approval needed'))!;
    expect((sent.body as { allowed_mentions: unknown }).allowed_mentions).toEqual({ parse: [], users: [fake.person.id] });
    expect(buttons(asked).map((b) => b.label)).toEqual(['Allow once', 'Allow for this task', 'Always on this machine', 'Deny']);
    const allow = buttons(asked).find((b) => b.label === 'Allow for this task')!;
    expect(allow.custom_id).toMatch(/^approve_task:\w{6}$/);
    const i = fake.pressButton(asked, allow.custom_id);
    await fake.waitForRequest((r) => r.path === `/interactions/${i.id}/${i.token}/callback`);
    await until(() => asked.content.includes('allowed for this task'), 10_000);
    expect(asked.content).toMatch(new RegExp(`^✅ Bash \`touch file-1\\.txt\` \\(\\w{6}\\) allowed for this task by discord:${fake.person.id} at`));
    expect(asked.components).toEqual([]);
    const task = (await f.t.tasks({ limit: 1 }))[0]!;
    expect(task.mode).toBe('edits');
    await f.finished(task.id);
    expect(await f.outputText(task.id, ['stdout'])).toContain('permission-mode: acceptEdits\n');
    expect(fake.requests.filter((r) => r.status === 400 || r.status === 429)).toHaveLength(0);
  });

  it('a question is its choices as buttons; hostile text is inert (no ping, code spans)', async () => {
    const threadId = await start('question hostile lines=0');
    const hostile = await posted(threadId, 'Approval needed');
    expect(hostile.content).toContain('`echo ␛[2J␍<!channel> @everyone <@123456789> ˋidˋ <U+202E>evil');
    const req = fake.requests.find((r) => r.path === `/channels/${threadId}/messages` && JSON.stringify(r.body).includes('@everyone'))!;
    expect((req.body as { allowed_mentions: unknown }).allowed_mentions).toEqual({ parse: [], users: [fake.person.id] });
    const deny = buttons(hostile).find((b) => b.label === 'Deny')!;
    fake.pressButton(hostile, deny.custom_id);
    const q = await posted(threadId, 'asks');
    expect(buttons(q).map((b) => b.label)).toEqual(['SQLite', 'Postgres', 'Skip']);
    fake.pressButton(q, buttons(q)[0]!.custom_id);
    await until(() => q.content.includes('answered by'), 10_000);
    const task = (await f.t.tasks({ limit: 1 }))[0]!;
    await f.finished(task.id);
    expect(await f.outputText(task.id, ['stdout'])).toContain('answers: {"Which database should we use?":"SQLite"}\n');
  });

  it('someone without a role is refused: said in the thread, audited, nothing changes', async () => {
    const threadId = await start('ask=1 lines=0');
    const asked = await posted(threadId, 'Approval needed');
    const stranger = fake.user('500000000000000999', 'mallory');
    fake.pressButton(asked, buttons(asked)[0]!.custom_id, { user: stranger });
    await posted(threadId, 'have no role');
    expect(asked.content).toContain('Approval needed');
    const audit = (await f.t.api<{ entries: Array<{ actor: string; outcome: string }> }>('GET', '/api/audit?limit=5')).body.entries;
    expect(audit).toContainEqual(expect.objectContaining({ actor: 'discord:500000000000000999', outcome: 'refused' }));
    fake.pressButton(asked, buttons(asked).find((b) => b.label === 'Deny')!.custom_id);
    await until(() => asked.content.includes('denied by'), 10_000);
  });

  it('the push option (a Boolean) asks for the branch to be pushed; left out, it is not', async () => {
    await start('pushed lines=0', { push: true });
    await start('not pushed lines=0', { push: false });
    const tasks = await until(async () => {
      const all = await f.t.tasks({ limit: 20 });
      const mine = all.filter((t) => t.prompt?.endsWith('pushed lines=0'));
      return mine.length === 2 ? mine : undefined;
    }, 10_000);
    expect(tasks.map((t) => [t.prompt, t.push]).sort()).toEqual([['not pushed lines=0', false], ['pushed lines=0', true]]);
  });
});
