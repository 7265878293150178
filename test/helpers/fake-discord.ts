import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A local stand-in for Discord (gateway + REST on one http server on 127.0.0.1:0) that a real discord.js client
 * talks to. It records what the client sends and enforces Discord's published limits: 2,000 characters per
 * message (400, code 50035), 5 messages per 5 s per channel (429 with retry_after and X-RateLimit headers), 3 s to
 * acknowledge an interaction (later: 404 Unknown interaction, 10062), 15 minutes of life for an interaction token
 * (later: 401 Invalid Webhook Token, 50027), and 10 MiB per upload (413). Time comes from an injectable clock.
 */

/** A user as Discord describes one. */
export type FakeUser = { id: string; username: string; global_name: string | null; discriminator: string; avatar: null; bot?: boolean };

/** A message as stored (and returned) by the fake: Discord's message object. */
export type FakeMessage = { id: string; channel_id: string; author: FakeUser; content: string; components: unknown[]; flags: number } & Record<string, unknown>;

/** One REST request as the fake saw it: `path` after `/api/v10`; `body` is the JSON (multipart: `payload_json`). */
export type RecordedRequest = { method: string; path: string; status: number; body: unknown; files: { name: string; content: string }[]; response: unknown };

/**
 * An interaction the fake dispatched, and what became of it: `response` is the client's callback (5 deferred
 * reply, 6 deferred update, 8 autocomplete result, ...); `expired` is set once it is found unanswered past 3 s.
 */
export type FakeInteraction = { id: string; token: string; type: number; channelId: string; createdAt: number } & {
  answeredAt?: number; response?: { type: number; data?: unknown }; expired?: boolean };

const TOKEN = 'fake-bot-token';
const APP_ID = '100000000000000001';
const GUILD_ID = '200000000000000001';
const CHANNEL_ID = '300000000000000001';
const PERMS = '2248473465835073'; // what a server admin would grant the bot
// Discord's published limits.
const ACK_MS = 3000;
const TOKEN_MS = 15 * 60_000;
const MAX_CONTENT = 2000;
const MAX_UPLOAD = 10 * 1024 * 1024;
const RATE = { limit: 5, windowMs: 5000 };

const user = (id: string, username: string, bot = false): FakeUser =>
  bot ? { id, username, global_name: null, discriminator: '0001', avatar: null, bot } : { id, username, global_name: username, discriminator: '0', avatar: null };

/**
 * Starts the fake; a client connects with `rest: { api: fake.apiUrl }` and `fake.token`. `now` is the clock for
 * deadlines and rate-limit windows (`Date.now` by default).
 */
export async function startFakeDiscord(opts: { now?: () => number } = {}) {
  const now = opts.now ?? Date.now;
  const bot = user('400000000000000001', 'pia', true);
  const person = user('500000000000000001', 'ada');
  let seq = 0;
  let idCounter = 0n;
  // Snowflakes carry their creation time, which discord.js reads back (createdTimestamp).
  const snowflake = (): string => (((BigInt(now()) - 1420070400000n) << 22n) + (idCounter++ % 4096n)).toString();
  const iso = (): string => new Date(now()).toISOString();

  const channels = new Map<string, Record<string, unknown>>([
    [CHANNEL_ID, { id: CHANNEL_ID, type: 0, guild_id: GUILD_ID, name: 'fleet', position: 0, permission_overwrites: [], parent_id: null, nsfw: false, rate_limit_per_user: 0 }],
  ]);
  const messages = new Map<string, FakeMessage>();
  const interactions = new Map<string, FakeInteraction>();
  const originals = new Map<string, string>(); // interaction token -> message id
  const windows = new Map<string, { start: number; count: number }>();
  const commands = new Map<string, unknown>(); // 'global' | guild id -> registered body
  const requests: RecordedRequest[] = [];
  const events = new EventEmitter();
  const sockets = new Set<WebSocket>();

  // ---- gateway ----------------------------------------------------------------------------------------------
  const send = (ws: WebSocket, payload: object): void => ws.send(JSON.stringify(payload));
  function dispatch(t: string, d: unknown): void {
    seq++;
    for (const ws of sockets) send(ws, { op: 0, t, s: seq, d });
  }
  const guildPayload = () => ({
    id: GUILD_ID, name: 'PIA test', icon: null, owner_id: person.id, afk_channel_id: null, afk_timeout: 300, verification_level: 0,
    default_message_notifications: 0, explicit_content_filter: 0, features: [], emojis: [], stickers: [], mfa_level: 0,
    application_id: null, system_channel_id: null, system_channel_flags: 0, rules_channel_id: null, premium_tier: 0,
    preferred_locale: 'en-US', nsfw_level: 0, joined_at: iso(), large: false, unavailable: false, member_count: 2,
    roles: [
      { id: GUILD_ID, name: '@everyone', color: 0, hoist: false, position: 0, permissions: PERMS, managed: false, mentionable: false, flags: 0 },
      { id: '600000000000000001', name: 'pia-operators', color: 0, hoist: false, position: 1, permissions: PERMS, managed: false, mentionable: false, flags: 0 },
    ],
    members: [{ user: bot, roles: [], joined_at: iso(), deaf: false, mute: false, flags: 0 }],
    channels: [...channels.values()].filter((c) => c.type === 0),
    threads: [...channels.values()].filter((c) => c.type === 11),
    voice_states: [], presences: [], stage_instances: [], guild_scheduled_events: [],
  });

  const server = http.createServer((req, res) => void handle(req, res));
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (!req.url?.startsWith('/gateway')) return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      send(ws, { op: 10, d: { heartbeat_interval: 41250 } });
      ws.on('message', (raw) => {
        const msg = parseJson(String(raw)) as { op?: number; d?: { token?: string } };
        if (msg.op === 1) send(ws, { op: 11 });
        else if (msg.op === 2) {
          if (msg.d?.token !== TOKEN) return ws.close(4004, 'Authentication failed.');
          sockets.add(ws);
          const application = { id: APP_ID, flags: 0 };
          dispatch('READY', { v: 10, user: bot, guilds: [{ id: GUILD_ID, unavailable: true }], session_id: 'fake', resume_gateway_url: gatewayUrl, shard: [0, 1], application });
          dispatch('GUILD_CREATE', guildPayload());
        } else if (msg.op === 6) send(ws, { op: 9, d: false });
      });
      ws.on('close', () => sockets.delete(ws));
    });
  });

  // ---- REST ------------------------------------------------------------------------------------------------
  type Reply = { status: number; body?: unknown; headers?: Record<string, string> };
  const error = (status: number, code: number, message: string, extra: object = {}): Reply => ({ status, body: { code, message, ...extra } });
  const tooLong = (field: string): Reply =>
    error(400, 50035, 'Invalid Form Body', { errors: { [field]: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] } } });

  /** Counts one request against a per-channel bucket; a full bucket answers 429 the way Discord does. */
  function bucket(kind: string, channel: string): { limited?: Reply; headers: Record<string, string> } {
    const key = `${kind}:${channel}`;
    let w = windows.get(key);
    if (!w || now() - w.start >= RATE.windowMs) windows.set(key, (w = { start: now(), count: 0 }));
    const resetAfter = Math.max(0, (w.start + RATE.windowMs - now()) / 1000);
    const headers = (remaining: number): Record<string, string> => ({
      'x-ratelimit-limit': String(RATE.limit), 'x-ratelimit-remaining': String(remaining), 'x-ratelimit-bucket': `fake-${kind}`,
      'x-ratelimit-reset': ((w!.start + RATE.windowMs) / 1000).toFixed(3), 'x-ratelimit-reset-after': resetAfter.toFixed(3),
    });
    if (w.count < RATE.limit) return { headers: headers(RATE.limit - ++w.count) };
    const h = { ...headers(0), 'retry-after': resetAfter.toFixed(3), 'x-ratelimit-scope': 'user' };
    return { headers: h, limited: { status: 429, headers: h, body: { message: 'You are being rate limited.', retry_after: Number(resetAfter.toFixed(3)), global: false } } };
  }

  function store(channelId: string, author: FakeUser, body: Record<string, unknown>, extra: Partial<FakeMessage> = {}): FakeMessage {
    const m: FakeMessage = {
      id: snowflake(), channel_id: channelId, guild_id: GUILD_ID, author, content: typeof body.content === 'string' ? body.content : '',
      components: Array.isArray(body.components) ? body.components : [], attachments: [], flags: 0, type: 0, timestamp: iso(),
      edited_timestamp: null, tts: false, mention_everyone: false, mentions: [], mention_roles: [], embeds: [], pinned: false, ...extra,
    };
    messages.set(m.id, m);
    Object.assign(channels.get(channelId) ?? {}, { last_message_id: m.id });
    return m;
  }
  const length = (body: Record<string, unknown>): number => (typeof body.content === 'string' ? [...body.content].length : 0);
  function edit(m: FakeMessage, body: Record<string, unknown>): FakeMessage {
    if (typeof body.content === 'string') m.content = body.content;
    if (Array.isArray(body.components)) m.components = body.components;
    m.edited_timestamp = iso();
    return m;
  }

  /** The interaction a token belongs to, if that token still lives. */
  function liveToken(token: string): Reply | undefined {
    const i = [...interactions.values()].find((x) => x.token === token);
    if (!i) return error(404, 10015, 'Unknown Webhook');
    return now() - i.createdAt > TOKEN_MS ? error(401, 50027, 'Invalid Webhook Token') : undefined;
  }

  function stateOf(id: string): 'pending' | 'answered' | 'expired' | 'unknown' {
    const i = interactions.get(id);
    if (!i || i.answeredAt !== undefined) return i ? 'answered' : 'unknown';
    if (now() - i.createdAt > ACK_MS) i.expired = true; // recorded: a late callback is then refused
    return i.expired ? 'expired' : 'pending';
  }

  function callback(id: string, token: string, body: { type?: number; data?: Record<string, unknown> }): Reply {
    const i = interactions.get(id);
    if (!i || i.token !== token || stateOf(id) === 'expired') return error(404, 10062, 'Unknown interaction');
    if (i.answeredAt !== undefined) return error(400, 40060, 'Interaction has already been acknowledged.');
    if (body.data && length(body.data) > MAX_CONTENT) return tooLong('data.content');
    if (body.type === 8 && Array.isArray(body.data?.choices) && body.data.choices.length > 25) return tooLong('data.choices');
    i.answeredAt = now();
    i.response = { type: body.type ?? 0, data: body.data };
    if (body.type === 4 || body.type === 5) {
      // The reply becomes a message authored by the bot through the application's webhook ("thinking…" if deferred).
      const m = store(i.channelId, bot, body.data ?? {}, { type: 20, webhook_id: APP_ID, application_id: APP_ID, flags: body.type === 5 ? 128 : 0 });
      originals.set(token, m.id);
      dispatch('MESSAGE_CREATE', m);
    }
    return { status: 204 };
  }

  const ok = (body: unknown, headers: Record<string, string> = {}): Reply => ({ status: 200, body, headers });

  function route(method: string, path: string, body: Record<string, unknown>, files: RecordedRequest['files'], auth: boolean): Reply {
    let m: RegExpMatchArray | null;
    if (method === 'GET' && (path === '/gateway/bot' || path === '/gateway')) {
      return ok({ url: gatewayUrl, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 } });
    }
    if (method === 'POST' && (m = path.match(/^\/interactions\/(\d+)\/([^/]+)\/callback$/))) return callback(m[1]!, m[2]!, body);
    if ((m = path.match(/^\/webhooks\/(\d+)\/([^/]+)\/messages\/@original$/))) {
      const dead = m[1] !== APP_ID ? error(404, 10015, 'Unknown Webhook') : liveToken(m[2]!);
      if (dead) return dead;
      const original = messages.get(originals.get(m[2]!) ?? '');
      if (!original) return error(404, 10008, 'Unknown Message');
      if (method !== 'PATCH') return ok(original);
      if (length(body) > MAX_CONTENT) return tooLong('content');
      original.flags &= ~128;
      return ok(edit(original, body));
    }
    if (!auth) return error(401, 0, '401: Unauthorized');
    if ((m = path.match(/^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/)) && method === 'PUT') {
      const problem = commandProblem(body);
      if (problem) return error(400, 50035, 'Invalid Form Body', { errors: { _errors: [{ code: 'INVALID', message: problem }] } });
      commands.set(m[2] ?? 'global', body);
      return ok((body as unknown as object[]).map((c) => ({ ...c, id: snowflake(), application_id: m![1], version: snowflake() })));
    }
    if ((m = path.match(/^\/channels\/(\d+)\/messages$/)) && method === 'POST') {
      if (!channels.has(m[1]!)) return error(404, 10003, 'Unknown Channel');
      const { limited, headers } = bucket('messages', m[1]!);
      if (limited) return limited;
      if (length(body) > MAX_CONTENT) return tooLong('content');
      if (!length(body) && files.length === 0 && !(Array.isArray(body.components) && body.components.length)) return error(400, 50006, 'Cannot send an empty message');
      const attachments = files.map((f) => ({ id: snowflake(), filename: f.name, size: Buffer.byteLength(f.content) }));
      const sent = store(m[1]!, bot, body, { attachments });
      dispatch('MESSAGE_CREATE', sent);
      return ok(sent, headers);
    }
    if ((m = path.match(/^\/channels\/(\d+)\/messages\/(\d+)$/)) && method === 'PATCH') {
      const msg = messages.get(m[2]!);
      if (!msg || msg.channel_id !== m[1]) return error(404, 10008, 'Unknown Message');
      const { limited, headers } = bucket('edits', m[1]!);
      if (limited) return limited;
      if (length(body) > MAX_CONTENT) return tooLong('content');
      return ok(edit(msg, body), headers);
    }
    if ((m = path.match(/^\/channels\/(\d+)\/messages\/(\d+)\/threads$/)) && method === 'POST') {
      const msg = messages.get(m[2]!);
      if (!msg || msg.channel_id !== m[1]) return error(404, 10008, 'Unknown Message');
      if (channels.has(msg.id)) return error(400, 160004, 'A thread has already been created for this message');
      const name = typeof body.name === 'string' ? body.name : '';
      if (name.length < 1 || name.length > 100) return error(400, 50035, 'Invalid Form Body', { errors: { name: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 100 in length.' }] } } });
      // A thread started from a message takes that message's id.
      const thread = {
        id: msg.id, type: 11, guild_id: GUILD_ID, parent_id: m[1], owner_id: bot.id, name, last_message_id: null, rate_limit_per_user: 0,
        message_count: 0, member_count: 1, total_message_sent: 0, flags: 0,
        thread_metadata: { archived: false, auto_archive_duration: Number(body.auto_archive_duration ?? 1440), archive_timestamp: iso(), locked: false },
      };
      channels.set(thread.id, thread);
      msg.flags |= 32; // HAS_THREAD
      dispatch('THREAD_CREATE', { ...thread, newly_created: true });
      return { status: 201, body: thread };
    }
    return error(404, 0, '404: Not Found');
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // Discord's client encodes `@original` as %40original.
    const path = decodeURIComponent(url.pathname.replace(/^\/api\/v10/, ''));
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size <= MAX_UPLOAD + 65536) chunks.push(chunk);
    }
    const raw = Buffer.concat(chunks);
    const type = req.headers['content-type'] ?? '';
    let body: Record<string, unknown> = {};
    const files: RecordedRequest['files'] = [];
    let reply: Reply;
    if (size > MAX_UPLOAD + 65536) reply = error(413, 40005, 'Request entity too large');
    else {
      if (type.startsWith('multipart/form-data')) {
        const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
        for (const [key, value] of form) {
          if (key === 'payload_json' && typeof value === 'string') body = parseJson(value);
          else if (typeof value !== 'string') files.push({ name: value.name, content: await value.text() });
        }
      } else if (raw.length) body = parseJson(raw.toString('utf8'));
      reply = body === BAD_JSON ? error(400, 50109, 'The request body contains invalid JSON.') : route(req.method ?? 'GET', path, body, files, req.headers.authorization === `Bot ${TOKEN}`);
    }
    requests.push({ method: req.method ?? 'GET', path, status: reply.status, body: raw.length ? body : undefined, files, response: reply.body });
    events.emit('request');
    // No content-type on a 204: an empty body labelled JSON makes the client's parser throw.
    if (reply.status === 204) return void res.writeHead(204, reply.headers).end();
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    res.end(JSON.stringify(reply.body));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const gatewayUrl = `ws://127.0.0.1:${port}/gateway`;

  // ---- driving the client ------------------------------------------------------------------------------------
  const memberOf = (u: FakeUser) => ({ user: u, roles: [], permissions: PERMS, joined_at: iso(), deaf: false, mute: false, flags: 0, nick: null, avatar: null, pending: false });

  type Opts = { channelId?: string; user?: FakeUser; ageMs?: number };
  function interact(type: number, data: unknown, o: Opts & { message?: FakeMessage } = {}): FakeInteraction {
    const channelId = o.channelId ?? CHANNEL_ID;
    const i: FakeInteraction = { id: snowflake(), token: `tok-${snowflake()}`, type, channelId, createdAt: now() - (o.ageMs ?? 0) };
    interactions.set(i.id, i);
    dispatch('INTERACTION_CREATE', {
      id: i.id, application_id: APP_ID, type, token: i.token, version: 1, guild_id: GUILD_ID, channel_id: channelId,
      channel: { ...channels.get(channelId), permissions: PERMS }, member: memberOf(o.user ?? person), data, app_permissions: PERMS,
      locale: 'en-US', guild_locale: 'en-US', entitlements: [], authorizing_integration_owners: { 0: GUILD_ID }, context: 0,
      ...(o.message ? { message: o.message } : {}),
    });
    return i;
  }
  // String options are type 3, Boolean ones type 5.
  const subcommand = (sub: string, options: Record<string, string | boolean>, focused?: string) => ({
    id: '700000000000000001', name: 'pia', type: 1, guild_id: GUILD_ID,
    options: [{ type: 1, name: sub, options: Object.entries(options).map(([name, value]) => ({ type: typeof value === 'boolean' ? 5 : 3, name, value, ...(name === focused ? { focused: true } : {}) })) }],
  });

  function waitForRequest(match: (r: RecordedRequest) => boolean, timeoutMs = 5000): Promise<RecordedRequest> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = requests.find(match);
        if (!found) return;
        clearTimeout(timer);
        events.off('request', check);
        resolve(found);
      };
      const seen = (): string => requests.map((r) => `${r.method} ${r.path} ${r.status}`).join(', ');
      const timer = setTimeout(() => (events.off('request', check), reject(new Error(`fake Discord: no such request in ${timeoutMs} ms; saw ${seen()}`))), timeoutMs);
      events.on('request', check);
      check();
    });
  }

  return {
    apiUrl: `http://127.0.0.1:${port}/api`,
    token: TOKEN,
    applicationId: APP_ID,
    guildId: GUILD_ID,
    channelId: CHANNEL_ID,
    bot,
    person,
    /** A user factory for other people and other bots. */
    user,
    requests,
    commands,
    messages,
    stateOf,
    waitForRequest,
    dispatch,
    /** Adds a text channel (CHANNEL_CREATE), so tests can keep their messages and rate limits apart. */
    addChannel(name: string): string {
      const id = snowflake();
      const ch = { id, type: 0, guild_id: GUILD_ID, name, position: channels.size, permission_overwrites: [], parent_id: null, nsfw: false, rate_limit_per_user: 0 };
      channels.set(id, ch);
      dispatch('CHANNEL_CREATE', ch);
      return id;
    },
    /** `/pia <sub>` with string (and Boolean) options (type 2 application command). */
    slashCommand: (sub: string, options: Record<string, string | boolean> = {}, o: Opts = {}) => interact(2, subcommand(sub, options), o),
    /** Autocomplete (type 4) while typing option `focused`. */
    autocomplete: (sub: string, options: Record<string, string>, focused: string, o: Opts = {}) => interact(4, subcommand(sub, options, focused), o),
    /** A press of button `customId` under `message` (type 3 message component). */
    pressButton: (message: FakeMessage, customId: string, o: Opts = {}) =>
      interact(3, { custom_id: customId, component_type: 2 }, { channelId: message.channel_id, ...o, message }),
    /** Someone writes in a channel or thread (MESSAGE_CREATE). */
    say(channelId: string, content: string, author: FakeUser = person): FakeMessage {
      const m = store(channelId, author, { content });
      dispatch('MESSAGE_CREATE', author.bot ? m : { ...m, member: memberOf(author) });
      return m;
    },
    async close(): Promise<void> {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The running fake. */
export type FakeDiscord = Awaited<ReturnType<typeof startFakeDiscord>>;

const BAD_JSON: Record<string, unknown> = {};
const parseJson = (text: string): Record<string, unknown> => {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return BAD_JSON; // answered with 400 50109, as Discord does
  }
};

const NAME = /^[-_\p{Ll}\p{N}]{1,32}$/u;

/** Discord's published shape rules for commands: names, 1-100 character descriptions, at most 25 options. */
function commandProblem(body: unknown): string | undefined {
  if (!Array.isArray(body)) return 'body must be an array of commands';
  const check = (o: Record<string, unknown>, where: string): string | undefined => {
    if (typeof o.name !== 'string' || !NAME.test(o.name)) return `${where}: bad name ${String(o.name)}`;
    if (typeof o.description !== 'string' || o.description.length < 1 || o.description.length > 100) return `${where}.${o.name}: description must be 1-100 characters`;
    const options = (o.options ?? []) as Record<string, unknown>[];
    if (options.length > 25) return `${where}.${o.name}: more than 25 options`;
    let optional = false;
    for (const child of options) {
      if (child.required !== true && child.type !== 1 && child.type !== 2) optional = true;
      else if (child.required === true && optional) return `${where}.${o.name}: required options must come before optional ones`;
      const p = check(child, `${where}.${o.name}`);
      if (p) return p;
    }
    return undefined;
  };
  return (body as Record<string, unknown>[]).map((c) => check(c, 'command')).find(Boolean);
}
