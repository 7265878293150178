import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostedMessage } from '../../../src/bot/port.js';
import { rawRest, startRig, type DiscordRig } from './harness.js';

// A real discord.js client on the fake gateway: commands, thread replies, buttons and autocomplete end to end.
describe('Discord adapter on a local gateway', () => {
  let rig: DiscordRig;
  let first: PostedMessage | undefined;
  let second: PostedMessage | undefined;

  beforeAll(async () => {
    rig = await startRig({
      machineNames: () => ['m1', 'm2', 'gpu-box'],
      // m2 has two agents installed; the fleet as a whole, more.
      agentNames: (machine) => (machine === 'm2' ? ['claude', 'codex'] : ['claude', 'codex', 'gemini', 'opencode', 'cursor', 'aider']),
    });
  });
  afterAll(async () => {
    await rig?.close();
  });

  const callbackOf = (i: { id: string; token: string }) => (r: { method: string; path: string }) =>
    r.method === 'POST' && r.path === `/interactions/${i.id}/${i.token}/callback`;

  it('defers /pia run at once, hands the core its text, and starts a thread from the first answer', async () => {
    const { fake, rec } = rig;
    rec.answerWith(async (inbound, port) => {
      if (inbound.text !== 'run m2 fix the test') return;
      first = await port.post(inbound.where, { text: 'Running on `m2`…' });
      second = await port.post(first.thread, { text: 'done', code: 'all tests pass' });
    });
    const i = fake.slashCommand('run', { machine: 'm2', prompt: 'fix the test' });

    const ack = await fake.waitForRequest(callbackOf(i));
    expect(ack.status).toBe(204);
    expect(ack.body).toMatchObject({ type: 5 });
    expect(fake.stateOf(i.id)).toBe('answered');
    expect(i.answeredAt! - i.createdAt).toBeLessThan(3000);

    const { inbound } = await rec.waitFor(() => rec.handled[0]);
    expect(inbound).toEqual({
      actor: `discord:${fake.person.id}`,
      displayName: 'ada',
      text: 'run m2 fix the test',
      where: { channel: fake.channelId },
      isReply: false,
    });

    const edit = await fake.waitForRequest((r) => r.method === 'PATCH' && r.path === `/webhooks/${fake.applicationId}/${i.token}/messages/@original`);
    expect(edit.status).toBe(200);
    expect(edit.body).toMatchObject({ content: 'Running on `m2`…', allowed_mentions: { parse: [] } });
    const originalId = (edit.response as { id: string }).id;

    const thread = await fake.waitForRequest((r) => r.method === 'POST' && r.path.endsWith('/threads'));
    expect(thread.path).toBe(`/channels/${fake.channelId}/messages/${originalId}/threads`);
    expect(thread.status).toBe(201);
    expect(thread.body).toMatchObject({ name: 'run m2 fix the test' });

    await rec.waitFor(() => second);
    expect(first).toEqual({ thread: { channel: fake.channelId, thread: originalId }, id: originalId });
    expect(second!.thread).toEqual(first!.thread);
    const inThread = fake.requests.find((r) => r.method === 'POST' && r.path === `/channels/${originalId}/messages`);
    expect(inThread?.status).toBe(200);
    expect(inThread?.body).toMatchObject({ content: 'done\n```\nall tests pass\n```' });
    // Only the one deferred reply was edited: the second answer is an ordinary message in the thread.
    expect(fake.requests.filter((r) => r.path.includes('@original'))).toHaveLength(1);
  });

  it('hands a person\'s message in that thread to the core as a reply, and ignores bots', async () => {
    const { fake, rec } = rig;
    const threadId = first!.thread.thread!;
    const before = rec.handled.length;
    fake.say(threadId, 'ignore me, I am a bot', fake.user('800000000000000001', 'ci-bot', true));
    fake.say(fake.channelId, 'not in a thread: not for PIA');
    fake.say(threadId, 'also update the docs');

    const reply = await rec.waitFor(() => rec.handled.slice(before).find((h) => h.inbound.isReply));
    expect(reply.inbound).toEqual({
      actor: `discord:${fake.person.id}`,
      displayName: 'ada',
      text: 'also update the docs',
      where: { channel: fake.channelId, thread: threadId },
      isReply: true,
    });
    // Messages arrive in order, so anything not ignored (the other bot, the channel message, PIA's own posts
    // that the gateway echoed back) would have been handled before the reply.
    expect(rec.handled.slice(before)).toHaveLength(1);
    expect(rec.handled.filter((h) => h.inbound.isReply)).toHaveLength(1);
  });

  it('renders buttons as an action row and hands a press to the core', async () => {
    const { fake, rec, adapter } = rig;
    const where = first!.thread;
    const posted = await adapter.port.post(where, {
      text: 'Task k3x9q2mf running',
      buttons: [
        { actionId: 'cancel_task', label: 'Cancel', value: 'k3x9q2mf', style: 'danger' },
        { actionId: 'confirm', label: 'OK', value: 'yes', style: 'primary' },
        { actionId: 'dismiss', label: 'Later', value: 'no' },
      ],
    });
    expect(posted.thread).toEqual(where);
    const sent = fake.messages.get(posted.id)!;
    expect(sent.components).toEqual([
      {
        type: 1,
        components: [
          { type: 2, style: 4, label: 'Cancel', custom_id: 'cancel_task:k3x9q2mf' },
          { type: 2, style: 1, label: 'OK', custom_id: 'confirm:yes' },
          { type: 2, style: 2, label: 'Later', custom_id: 'dismiss:no' },
        ],
      },
    ]);

    const i = fake.pressButton(sent, 'cancel_task:k3x9q2mf');
    const ack = await fake.waitForRequest(callbackOf(i));
    expect(ack.body).toMatchObject({ type: 6 });
    expect(i.answeredAt! - i.createdAt).toBeLessThan(3000);
    const { press } = await rec.waitFor(() => rec.pressed[0]);
    expect(press).toEqual({ actor: `discord:${fake.person.id}`, actionId: 'cancel_task', value: 'k3x9q2mf', where });
  });

  it('edits messages in place: the thread starter through the live token, thread messages in the thread', async () => {
    const { fake, rec, adapter } = rig;
    await adapter.port.update(first!, { text: 'm2: done', buttons: [{ actionId: 'wake_machine', label: 'Wake m3', value: 'm3' }] });
    await adapter.port.update(second!, { text: 'done (edited)' });
    const original = fake.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('@original')).at(-1)!;
    expect(original.body).toMatchObject({ content: 'm2: done' });
    const inThread = fake.requests.find((r) => r.method === 'PATCH' && r.path === `/channels/${second!.thread.thread}/messages/${second!.id}`);
    expect(inThread?.status).toBe(200);
    expect(fake.messages.get(second!.id)?.content).toBe('done (edited)');
    // An edit without buttons clears them.
    expect(fake.messages.get(second!.id)?.components).toEqual([]);

    // A button on the starter message (in the parent channel) is a press about its thread.
    const i = fake.pressButton(fake.messages.get(first!.id)!, 'wake_machine:m3');
    await fake.waitForRequest(callbackOf(i));
    const { press } = await rec.waitFor(() => rec.pressed[1]);
    expect(press).toMatchObject({ actionId: 'wake_machine', value: 'm3', where: first!.thread });
  });

  it('attaches a file as a multipart upload in the thread', async () => {
    const { fake, adapter } = rig;
    await adapter.port.attach(first!.thread, { filename: 'k3x9q2mf.log', title: 'Full log of k3x9q2mf', content: 'line 1\nline 2\n' });
    const upload = fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${first!.thread.thread}/messages`).at(-1)!;
    expect(upload.status).toBe(200);
    expect(upload.files).toEqual([{ name: 'k3x9q2mf.log', content: 'line 1\nline 2\n' }]);
    expect(upload.body).toMatchObject({ content: 'Full log of k3x9q2mf' });
  });

  it('answers autocomplete with machine names', async () => {
    const { fake } = rig;
    const one = fake.autocomplete('run', { machine: 'm' }, 'machine');
    const ack = await fake.waitForRequest(callbackOf(one));
    expect(ack.body).toEqual({ type: 8, data: { choices: [{ name: 'm1', value: 'm1' }, { name: 'm2', value: 'm2' }] } });

    const list = fake.autocomplete('deploy', { repo: 'https://x.test/a.git', machines: 'm1,' }, 'machines');
    const listAck = await fake.waitForRequest(callbackOf(list));
    expect(listAck.body).toMatchObject({ data: { choices: [{ value: 'm1,m2' }, { value: 'm1,gpu-box' }, { value: 'm1,all' }] } });
  });

  it('autocompletes --agent from the agents of the machine picked, else of the fleet, and writes it into the command', async () => {
    const { fake, rec } = rig;
    const onM2 = fake.autocomplete('run', { machine: 'm2', agent: 'co' }, 'agent');
    expect((await fake.waitForRequest(callbackOf(onM2))).body).toEqual({ type: 8, data: { choices: [{ name: 'codex', value: 'codex' }] } });
    const anywhere = fake.autocomplete('deploy', { repo: 'https://x.test/a.git', agent: 'c' }, 'agent');
    expect((await fake.waitForRequest(callbackOf(anywhere))).body).toMatchObject({ data: { choices: [{ value: 'claude' }, { value: 'codex' }, { value: 'cursor' }, { value: 'opencode' }] } });

    const channel = fake.addChannel('agents');
    const start = rec.handled.length;
    rec.answerWith(async () => {});
    fake.slashCommand('run', { machine: 'm2', prompt: 'fix the test', agent: 'codex', mode: 'edits' }, { channelId: channel });
    await rec.waitFor(() => rec.handled[start]);
    expect(rec.handled[start]!.inbound.text).toBe('run m2 --agent codex --mode edits fix the test');
  });

  it('writes sh, deploy and option-less commands in the core\'s grammar, and answers a command given in a thread in place', async () => {
    const { fake, rec } = rig;
    const channel = fake.addChannel('ops');
    const start = rec.handled.length;
    rec.answerWith(async () => {});
    const sh = fake.slashCommand('sh', { machine: 'm2', command: 'df -h /' }, { channelId: channel });
    fake.slashCommand('deploy', { repo: 'https://github.com/acme/app', machines: 'm2,m3', prompt: 'fix it', ref: 'main' }, { channelId: channel });
    fake.slashCommand('status', {}, { channelId: channel });
    await rec.waitFor(() => rec.handled[start + 2]);
    expect(rec.handled.slice(start).map((h) => h.inbound.text)).toEqual([
      'sh m2 -- df -h /',
      'deploy https://github.com/acme/app m2,m3 --ref main fix it',
      'status',
    ]);

    // A core that answers later through the adapter's shared port answers the oldest waiting command there.
    const later = await rig.adapter.port.post({ channel }, { text: 'up 3 days' });
    const shEdit = fake.requests.find((r) => r.path === `/webhooks/${fake.applicationId}/${sh.token}/messages/@original`);
    expect(shEdit?.status).toBe(200);
    expect(later.id).toBe((shEdit?.response as { id: string }).id);
    expect(fake.requests.at(-1)?.body).toMatchObject({ name: 'sh m2 -- df -h /' });

    // In a thread there is no new thread to start: the answer edits the deferred reply where it is.
    let answered: PostedMessage | undefined;
    rec.answerWith(async (inbound, port) => {
      answered = await port.post(inbound.where, { text: 'all good' });
    });
    const i = fake.slashCommand('machines', {}, { channelId: first!.thread.thread! });
    const { inbound } = await rec.waitFor(() => rec.handled.find((h) => h.inbound.text === 'machines'));
    expect(inbound.where).toEqual(first!.thread);
    await rec.waitFor(() => answered);
    const edit = fake.requests.find((r) => r.path === `/webhooks/${fake.applicationId}/${i.token}/messages/@original`);
    expect(answered).toEqual({ thread: first!.thread, id: (edit?.response as { id: string }).id });
  });

  it('refuses an option that is not one word at the edge, without bothering the core', async () => {
    const { fake, rec } = rig;
    const start = rec.handled.length;
    const i = fake.slashCommand('wake', { machine: 'm2 "now' });
    const ack = await fake.waitForRequest(callbackOf(i));
    expect(ack.body).toMatchObject({ type: 4, data: { flags: 64 } });
    expect((ack.body as { data: { content: string } }).data.content).toMatch(/one word/);
    fake.slashCommand('whoami');
    await rec.waitFor(() => rec.handled[start]);
    expect(rec.handled.slice(start).map((h) => h.inbound.text)).toEqual(['whoami']);
  });

  it('does not run a command it could not acknowledge within 3 s; the fake records it expired', async () => {
    const { fake, rec } = rig;
    const start = rec.handled.length;
    // Discord delivered this one late: 3.5 s of its 3 s are gone when the client sees it.
    const late = fake.slashCommand('tasks', { machine: 'm1' }, { ageMs: 3500 });
    const ack = await fake.waitForRequest(callbackOf(late));
    expect(ack.status).toBe(404);
    expect(ack.response).toMatchObject({ code: 10062, message: 'Unknown interaction' });
    expect(fake.stateOf(late.id)).toBe('expired');
    expect(late.expired).toBe(true);
    // Any later answer is refused the same way.
    const again = await rawRest(fake, 'POST', `/interactions/${late.id}/${late.token}/callback`, { type: 5 });
    expect(again).toMatchObject({ status: 404, body: { code: 10062 } });

    fake.slashCommand('help', { command: 'deploy' });
    await rec.waitFor(() => rec.handled[start]);
    expect(rec.handled.slice(start).map((h) => h.inbound.text)).toEqual(['help deploy']);
  });

  it('tells the person when the core fails before answering, instead of leaving "thinking…"', async () => {
    const { fake, rec } = rig;
    rec.answerWith(async () => {
      throw new Error('the hub is unreachable');
    });
    const i = fake.slashCommand('bootstrap', { machine: 'm3' }, { channelId: fake.addChannel('broken') });
    const edit = await fake.waitForRequest((r) => r.path === `/webhooks/${fake.applicationId}/${i.token}/messages/@original`);
    expect(edit.body).toMatchObject({ content: 'Something went wrong: the hub is unreachable' });
  });
});
