import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimited, type ChatPort, type Inbound, type PostedMessage } from '../../../src/bot/port.js';
import { PiaError } from '../../../src/common/errors.js';
import { rawRest, skewableClock, startRig, type DiscordRig } from './harness.js';

// Discord's published limits, enforced by the fake, and what the adapter makes of them.
describe('Discord limits', () => {
  const clock = skewableClock();
  let rig: DiscordRig;

  beforeAll(async () => {
    rig = await startRig({ now: clock.now });
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('refuses content over 2,000 characters; the adapter shortens rather than send it', async () => {
    const { fake, adapter } = rig;
    const channel = fake.addChannel('long');
    const refused = await rawRest(fake, 'POST', `/channels/${channel}/messages`, { content: 'x'.repeat(2001) });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 50035, errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } });
    expect(await rawRest(fake, 'POST', `/channels/${channel}/messages`, { content: 'x'.repeat(2000) })).toMatchObject({ status: 200 });

    expect(adapter.port.limits).toEqual({ maxMessageChars: 2000, maxCodeChars: 1900, postsPerSecond: 1, updatesPerSecond: 1, burst: 5 });
    const long = await adapter.port.post({ channel }, { text: 'y'.repeat(2500) });
    expect(fake.messages.get(long.id)!.content.length).toBeLessThanOrEqual(2000);
    const tail = await adapter.port.post(long.thread, { text: 'output', code: `${'z'.repeat(5000)}\nlast line` });
    const content = fake.messages.get(tail.id)!.content;
    expect(content.length).toBeLessThanOrEqual(2000);
    expect(content.startsWith('output\n```\n')).toBe(true);
    expect(content.endsWith('last line\n```')).toBe(true);
    expect(fake.requests.filter((r) => r.status === 400)).toHaveLength(1);
  });

  it('answers the 6th message in 5 s with 429; the port throws RateLimited with Discord\'s retry time', async () => {
    const { fake, adapter } = rig;
    const channel = fake.addChannel('busy');
    // Another client with the same token fills the channel's bucket first, so the adapter meets a real 429.
    for (let n = 0; n < 5; n++) expect((await rawRest(fake, 'POST', `/channels/${channel}/messages`, { content: `msg ${n}` })).status).toBe(200);

    const err = await adapter.port.post({ channel }, { text: 'one too many' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimited);
    const limited = fake.requests.filter((r) => r.status === 429).at(-1)!;
    const retryAfterMs = (limited.response as { retry_after: number }).retry_after * 1000;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(5000);
    // discord.js adds its 50 ms safety offset to Discord's Retry-After.
    expect((err as RateLimited).retryAfterMs).toBeGreaterThanOrEqual(retryAfterMs);
    expect((err as RateLimited).retryAfterMs).toBeLessThanOrEqual(retryAfterMs + 100);

    // The client now knows the bucket is empty: the next post is refused without a request.
    const seen = fake.requests.length;
    const again = await adapter.port.post({ channel }, { text: 'still too many' }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(RateLimited);
    expect((again as RateLimited).retryAfterMs).toBeLessThanOrEqual(5100);
    expect(fake.requests.length).toBe(seen);
  });

  it('answers with ordinary messages once the 15-minute interaction token is dead', async () => {
    const { fake, rec } = rig;
    const channel = fake.addChannel('slow');
    let held: { inbound: Inbound; port: ChatPort } | undefined;
    rec.answerWith(async (inbound, port) => {
      held = { inbound, port };
    });
    const i = fake.slashCommand('run', { machine: 'm2', prompt: 'a long job' }, { channelId: channel });
    await rec.waitFor(() => held);
    expect(fake.stateOf(i.id)).toBe('answered');

    clock.skew += 16 * 60_000;
    const late: PostedMessage = await held!.port.post(held!.inbound.where, { text: 'finished after 16 minutes' });
    expect(fake.requests.filter((r) => r.path.includes(i.token) && r.method === 'PATCH')).toHaveLength(0);
    const post = fake.requests.find((r) => r.method === 'POST' && r.path === `/channels/${channel}/messages`);
    expect(post?.body).toMatchObject({ content: 'finished after 16 minutes' });
    expect(late).toEqual({ thread: { channel, thread: late.id }, id: late.id });

    // The fake refuses the dead token as Discord does.
    const refused = await rawRest(fake, 'PATCH', `/webhooks/${fake.applicationId}/${i.token}/messages/@original`, { content: 'too late' });
    expect(refused).toMatchObject({ status: 401, body: { code: 50027 } });
  });

  it('refuses a non-loopback Discord URL while tests run', async () => {
    const { registerCommands } = await import('../../../src/bot/discord/discord-adapter.js');
    const err = await registerCommands({ token: 't', applicationId: '1', apiUrl: 'https://discord.com/api' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PiaError);
    expect((err as PiaError).code).toBe('net_loopback_only');
  });
});
