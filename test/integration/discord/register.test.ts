import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandDefinitions, commandLine, registerCommands } from '../../../src/bot/discord/discord-adapter.js';
import { startFakeDiscord, type FakeDiscord } from '../../helpers/fake-discord.js';

// Registration (behind `pia discord register [--guild ID]`) against the fake, which checks Discord's shape rules.
describe('registering /pia', () => {
  let fake: FakeDiscord;
  beforeAll(async () => {
    fake = await startFakeDiscord();
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('PUTs the command JSON to one guild', async () => {
    const result = await registerCommands({ token: fake.token, applicationId: fake.applicationId, apiUrl: fake.apiUrl, guildId: fake.guildId });
    expect(result).toEqual({ scope: 'guild', commands: ['pia'] });
    const put = fake.requests.find((r) => r.method === 'PUT')!;
    expect(put.path).toBe(`/applications/${fake.applicationId}/guilds/${fake.guildId}/commands`);
    expect(put.status).toBe(200);
    expect(put.body).toEqual(commandDefinitions());
    expect(fake.commands.get(fake.guildId)).toEqual(commandDefinitions());
  });

  it('PUTs globally without a guild, with every subcommand of PIA\'s language', async () => {
    const result = await registerCommands({ token: fake.token, applicationId: fake.applicationId, apiUrl: fake.apiUrl });
    expect(result.scope).toBe('global');
    const [pia] = fake.commands.get('global') as { name: string; options: { name: string; options: { name: string; required: boolean; autocomplete?: boolean }[] }[] }[];
    expect(pia!.options.map((o) => o.name)).toEqual([
      'help', 'status', 'machines', 'wake', 'bootstrap', 'power', 'run', 'deploy', 'sh', 'tasks', 'logs', 'cancel',
      'approvals', 'approve', 'deny', 'answer', 'sleep', 'shutdown', 'restart', 'whoami', 'schedule',
    ]);
    // A schedule's arguments are one verbatim tail, read by the core's grammar; a target is one word.
    expect(commandLine('schedule', (n) => (n === 'args' ? 'add nightly --cron "0 2 * * 1-5" -- run any[gpu] "train"' : undefined))).toEqual({
      ok: true,
      text: 'schedule add nightly --cron "0 2 * * 1-5" -- run any[gpu] "train"',
    });
    expect(commandLine('run', (n) => (n === 'machine' ? 'any[os=linux,gpu]' : n === 'prompt' ? 'go' : undefined))).toEqual({ ok: true, text: 'run any[os=linux,gpu] go' });
    expect(commandLine('run', (n) => ({ machine: 'any[gpu]', prompt: 'go', mode: 'plan' } as Record<string, string>)[n])).toEqual({ ok: true, text: 'run any[gpu] --mode plan go' });
    const run = pia!.options.find((o) => o.name === 'run')!;
    expect(run.options).toMatchObject([
      { name: 'machine', required: true, autocomplete: true },
      { name: 'prompt', required: true },
      { name: 'mode', required: false },
      { name: 'agent', required: false, autocomplete: true },
      { name: 'push', required: false, type: 5 },
    ]);
  });

  it('surfaces Discord\'s refusal (a bad token) as an error', async () => {
    const err = await registerCommands({ token: 'wrong', applicationId: fake.applicationId, apiUrl: fake.apiUrl }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'discord_refused' });
  });
});
