import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * Slack's side, faked on 127.0.0.1: the Web API methods PIA calls, the file-upload URL, response URLs, and a
 * Socket Mode WebSocket. It records every call and enforces Slack's published limits, so a test sees what
 * Slack would have refused: ~1 message per second per channel, chat.update at Tier 3, 40,000-character
 * messages, 3,000-character section blocks, and the 3-second acknowledgement deadline.
 */

/** The limits the fake enforces; every one can be changed per test. */
export interface FakeSlackLimits {
  /** chat.postMessage, per channel, sustained. */
  postsPerSecond: number;
  postBurst: number;
  /** chat.update (Tier 3), for the whole app. */
  updatesPerMinute: number;
  updateBurst: number;
  maxMessageChars: number;
  maxSectionChars: number;
  maxBlocks: number;
  maxButtonLabel: number;
  /** How long a Socket Mode envelope may wait for its acknowledgement. */
  ackDeadlineMs: number;
}

/** Slack's published numbers (chat.postMessage ~1/s per channel with short bursts; chat.update Tier 3 ~50/min). */
export const slackPublishedLimits: FakeSlackLimits = {
  postsPerSecond: 1,
  postBurst: 3,
  updatesPerMinute: 50,
  updateBurst: 5,
  maxMessageChars: 40_000,
  maxSectionChars: 3_000,
  maxBlocks: 50,
  maxButtonLabel: 75,
  ackDeadlineMs: 3_000,
};

/** One Web API call as the fake saw it. */
export interface FakeSlackCall {
  method: string;
  body: Record<string, unknown>;
  status: number;
  response: Record<string, unknown>;
  /** Extra response headers (`retry-after` on a 429). */
  headers: Record<string, string>;
}

/** A message as it stands in the fake's channel history. */
export interface FakeMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
}

/** A running fake: where to point the client, what it saw, and the knobs a test turns. */
export interface FakeSlack {
  /** The Web API base for `clientOptions.slackApiUrl` / SLACK_API_URL (with its trailing slash). */
  apiUrl: string;
  baseUrl: string;
  botToken: string;
  appToken: string;
  botUserId: string;
  teamId: string;
  limits: FakeSlackLimits;
  calls: FakeSlackCall[];
  messages: FakeMessage[];
  uploads: { fileId: string; filename: string; bytes: Buffer }[];
  responses: { path: string; body: string }[];
  callsTo(method: string): FakeSlackCall[];
  /** Calls per method, and how many 429s were sent. */
  stats(): { calls: Record<string, number>; rateLimited: number };
  /** Replaces some limits and forgets what was spent against them. */
  setLimits(next: Partial<FakeSlackLimits>): void;
  /** Resolves once a Socket Mode client has connected and been greeted. */
  socketConnected(): Promise<void>;
  /** Sends a Socket Mode envelope; resolves with the client's ack payload, rejects past the ack deadline. */
  sendEnvelope(type: 'events_api' | 'slash_commands' | 'interactive', payload: unknown): Promise<{ payload: unknown; ms: number }>;
  close(): Promise<void>;
}

/** A token bucket: `capacity` at once, refilled at `perMs`; `take` answers how long to wait (0: go ahead). */
function bucket(perMs: number, capacity: number): { take(now: number): number } {
  let tokens = capacity;
  let last = Date.now();
  return {
    take(now: number): number {
      tokens = Math.min(capacity, tokens + (now - last) * perMs);
      last = now;
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return Math.ceil((1 - tokens) / perMs);
    },
  };
}

/** Slack's reason for refusing a message body, or undefined when it would be accepted. */
function messageProblem(body: Record<string, unknown>, limits: FakeSlackLimits): string | undefined {
  const text = typeof body.text === 'string' ? body.text : '';
  if (text.length > limits.maxMessageChars) return 'msg_too_long';
  if (body.blocks === undefined) return text === '' ? 'no_text' : undefined;
  if (!Array.isArray(body.blocks)) return 'invalid_blocks_format';
  if (body.blocks.length > limits.maxBlocks) return 'invalid_blocks';
  for (const block of body.blocks as { type?: string; text?: { text?: string }; elements?: unknown[] }[]) {
    if (block.type === 'section') {
      const t = block.text?.text ?? '';
      if (t === '' || t.length > limits.maxSectionChars) return 'invalid_blocks';
    } else if (block.type === 'actions') {
      const elements = (block.elements ?? []) as { action_id?: string; text?: { text?: string } }[];
      const ids = elements.map((e) => e.action_id);
      if (elements.length === 0 || elements.length > 25 || new Set(ids).size !== ids.length) return 'invalid_blocks';
      if (elements.some((e) => (e.text?.text ?? '').length > limits.maxButtonLabel)) return 'invalid_blocks';
    }
  }
  return undefined;
}

/** Form fields as Slack's Web API reads them: values that are JSON (blocks, files) are parsed. */
function readApiBody(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.startsWith('application/json')) return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  const body: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    body[key] = ['blocks', 'files', 'attachments'].includes(key) ? safeJson(value) : value;
  }
  return body;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Starts the fake on 127.0.0.1 and an ephemeral port. */
export async function startFakeSlack(opts: { limits?: Partial<FakeSlackLimits> } = {}): Promise<FakeSlack> {
  const botToken = 'xoxb-fake-bot-token';
  const appToken = 'xapp-fake-app-token';
  const botUserId = 'UPIABOT';
  const teamId = 'TFAKE';
  const limits: FakeSlackLimits = { ...slackPublishedLimits, ...opts.limits };
  const calls: FakeSlackCall[] = [];
  const messages: FakeMessage[] = [];
  const uploads: FakeSlack['uploads'] = [];
  const pendingUploads = new Map<string, string>();
  const responses: FakeSlack['responses'] = [];
  let rateLimited = 0;
  let seq = 0;
  let postBuckets = new Map<string, ReturnType<typeof bucket>>();
  let updateBucket = bucket(limits.updatesPerMinute / 60_000, limits.updateBurst);
  let baseUrl = '';

  const nextTs = (): string => `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, '0')}`;
  const postBucket = (channel: string) => {
    let b = postBuckets.get(channel);
    if (!b) postBuckets.set(channel, (b = bucket(limits.postsPerSecond / 1000, limits.postBurst)));
    return b;
  };

  /** Answers one Web API method: [HTTP status, JSON body, extra headers]. */
  function api(method: string, body: Record<string, unknown>, token: string | undefined): [number, Record<string, unknown>, Record<string, string>?] {
    const fail = (error: string): [number, Record<string, unknown>] => [200, { ok: false, error }];
    const wanted = method === 'apps.connections.open' ? appToken : botToken;
    if (token === undefined) return fail('not_authed');
    if (token !== wanted) return fail('invalid_auth');
    const limited = (waitMs: number): [number, Record<string, unknown>, Record<string, string>] => {
      rateLimited++;
      return [429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) }];
    };
    const channel = typeof body.channel === 'string' ? body.channel : undefined;
    switch (method) {
      case 'auth.test':
        return [200, { ok: true, url: 'https://fake.slack.test/', team: 'Fake', user: 'pia', team_id: teamId, user_id: botUserId, bot_id: 'BPIA' }];
      case 'apps.connections.open':
        return [200, { ok: true, url: `${baseUrl.replace('http', 'ws')}/socket?ticket=${randomUUID()}` }];
      case 'chat.postMessage': {
        if (!channel) return fail('channel_not_found');
        const wait = postBucket(channel).take(Date.now());
        if (wait > 0) return limited(wait);
        const problem = messageProblem(body, limits);
        if (problem) return fail(problem);
        const message: FakeMessage = { channel, ts: nextTs(), text: String(body.text ?? '') };
        if (typeof body.thread_ts === 'string') message.thread_ts = body.thread_ts;
        if (Array.isArray(body.blocks)) message.blocks = body.blocks;
        messages.push(message);
        return [200, { ok: true, channel, ts: message.ts, message: { type: 'message', user: botUserId, ...message } }];
      }
      case 'chat.update': {
        const message = messages.find((m) => m.channel === channel && m.ts === body.ts);
        if (!message) return fail('message_not_found');
        const wait = updateBucket.take(Date.now());
        if (wait > 0) return limited(wait);
        const problem = messageProblem(body, limits);
        if (problem) return fail(problem);
        message.text = String(body.text ?? '');
        if (Array.isArray(body.blocks)) message.blocks = body.blocks;
        return [200, { ok: true, channel, ts: message.ts, text: message.text }];
      }
      case 'files.getUploadURLExternal': {
        if (typeof body.filename !== 'string' || !Number(body.length)) return fail('invalid_arguments');
        const fileId = `F${String(++seq).padStart(8, '0')}`;
        pendingUploads.set(fileId, body.filename);
        return [200, { ok: true, upload_url: `${baseUrl}/upload/${fileId}`, file_id: fileId }];
      }
      case 'files.completeUploadExternal': {
        const files = Array.isArray(body.files) ? (body.files as { id: string; title?: string }[]) : [];
        if (files.length === 0) return fail('invalid_arguments');
        if (files.some((f) => !uploads.some((u) => u.fileId === f.id))) return fail('file_not_found');
        return [200, { ok: true, files: files.map((f) => ({ id: f.id, title: f.title })) }];
      }
      default:
        return fail('unknown_method');
    }
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const path = (req.url ?? '').split('?')[0] ?? '';
      if (path.startsWith('/upload/')) {
        const fileId = path.slice('/upload/'.length);
        const filename = pendingUploads.get(fileId);
        if (filename === undefined) return void res.writeHead(404).end();
        pendingUploads.delete(fileId);
        uploads.push({ fileId, filename, bytes: raw });
        return void res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${raw.length}`);
      }
      if (path.startsWith('/response/')) {
        responses.push({ path, body: raw.toString() });
        return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      }
      if (!path.startsWith('/api/')) return void res.writeHead(404).end();
      const method = path.slice('/api/'.length);
      let body: Record<string, unknown>;
      try {
        body = readApiBody(raw.toString(), req.headers['content-type'] ?? '');
      } catch {
        return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":false,"error":"invalid_json"}');
      }
      const auth = req.headers.authorization;
      const token = auth?.startsWith('Bearer ') ? auth.slice(7) : typeof body.token === 'string' ? body.token : undefined;
      const [status, response, headers] = api(method, body, token);
      calls.push({ method, body, status, response, headers: headers ?? {} });
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(response));
    });
  });

  // Socket Mode: greet each client with `hello`, then match acks to the envelopes sent.
  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<WebSocket>();
  const acks = new Map<string, (payload: unknown) => void>();
  let connected: () => void = () => undefined;
  const connectedOnce = new Promise<void>((resolve) => (connected = resolve));
  server.on('upgrade', (req, socket, head) => {
    if (!(req.url ?? '').startsWith('/socket')) return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data: Buffer) => {
        const msg = safeJson(data.toString()) as { envelope_id?: string; payload?: unknown };
        if (msg.envelope_id) acks.get(msg.envelope_id)?.(msg.payload);
      });
      ws.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'APIA' }, debug_info: { host: 'fake' } }));
      connected();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    apiUrl: `${baseUrl}/api/`,
    baseUrl,
    botToken,
    appToken,
    botUserId,
    teamId,
    limits,
    calls,
    messages,
    uploads,
    responses,
    callsTo: (method) => calls.filter((c) => c.method === method),
    stats() {
      const counts: Record<string, number> = {};
      for (const c of calls) counts[c.method] = (counts[c.method] ?? 0) + 1;
      return { calls: counts, rateLimited };
    },
    setLimits(next) {
      Object.assign(limits, next);
      postBuckets = new Map();
      updateBucket = bucket(limits.updatesPerMinute / 60_000, limits.updateBurst);
    },
    socketConnected: () => connectedOnce,
    sendEnvelope(type, payload) {
      const [ws] = sockets;
      if (!ws) return Promise.reject(new Error('no Socket Mode client is connected'));
      const envelope_id = randomUUID();
      const started = Date.now();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          acks.delete(envelope_id);
          reject(new Error(`envelope ${type} not acknowledged within ${limits.ackDeadlineMs} ms`));
        }, limits.ackDeadlineMs);
        acks.set(envelope_id, (ackPayload) => {
          clearTimeout(timer);
          acks.delete(envelope_id);
          resolve({ payload: ackPayload, ms: Date.now() - started });
        });
        ws.send(JSON.stringify({ envelope_id, type, payload, accepts_response_payload: type !== 'events_api', retry_attempt: 0, retry_reason: '' }));
      });
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Headers Slack would send with `rawBody`: `v0=` + hex HMAC-SHA256 of `v0:{ts}:{body}`. */
export function slackSignature(
  signingSecret: string,
  rawBody: string,
  timestampSec = Math.floor(Date.now() / 1000),
): { 'x-slack-request-timestamp': string; 'x-slack-signature': string } {
  const hmac = createHmac('sha256', signingSecret).update(`v0:${timestampSec}:${rawBody}`).digest('hex');
  return { 'x-slack-request-timestamp': String(timestampSec), 'x-slack-signature': `v0=${hmac}` };
}

/** A request as Slack sends it to the Request URL: raw body, content type and signature. */
export interface SignedSlackRequest {
  rawBody: string;
  headers: Record<string, string>;
}

/** A slash command (form-encoded, like Slack's). */
export function signedCommand(signingSecret: string, fields: Record<string, string>, timestampSec?: number): SignedSlackRequest {
  const rawBody = new URLSearchParams(fields).toString();
  return { rawBody, headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignature(signingSecret, rawBody, timestampSec) } };
}

/** An Events API callback (JSON). */
export function signedEvent(signingSecret: string, envelope: Record<string, unknown>, timestampSec?: number): SignedSlackRequest {
  const rawBody = JSON.stringify(envelope);
  return { rawBody, headers: { 'content-type': 'application/json', ...slackSignature(signingSecret, rawBody, timestampSec) } };
}

/** An interaction (form field `payload` holding JSON). */
export function signedInteraction(signingSecret: string, payload: Record<string, unknown>, timestampSec?: number): SignedSlackRequest {
  const rawBody = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return { rawBody, headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignature(signingSecret, rawBody, timestampSec) } };
}
