import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SLACK_PUBLISHED } from './slack-rules.js';
import { perKey, tokenBucket } from './limiters.js';

/** A message that reached the fake's chat.postMessage. */
export interface FakeAnswer {
  /** performance.now() when the request arrived. */
  at: number;
  text: string;
}

/** The fake Slack Web API: where to point the adapter, and what reached it. */
export interface FakeSlackApi {
  /** The Web API base for the adapter's `apiUrl` (trailing slash included). */
  apiUrl: string;
  botToken: string;
  /** Calls per method, and how many were answered 429. */
  calls: Record<string, number>;
  rateLimited: number;
  /** Resolves with the first message posted to `channel` (already posted: at once); rejects after `timeoutMs`. */
  answerIn(channel: string, timeoutMs: number): Promise<FakeAnswer>;
  close(): Promise<void>;
}

const BOT_TOKEN = 'xoxb-bench-0000-chat';

/**
 * Slack's Web API on 127.0.0.1, as much of it as the status command needs: auth.test (the adapter's start) and
 * chat.postMessage, which keeps Slack's per-channel rate (429 with Retry-After past it). Anything else is
 * answered `unknown_method`, so an unexpected call shows in `calls`.
 */
export async function startFakeSlackApi(): Promise<FakeSlackApi> {
  const calls: Record<string, number> = {};
  const answers = new Map<string, FakeAnswer>();
  const waiters = new Map<string, (a: FakeAnswer) => void>();
  const posts = perKey(() => tokenBucket(SLACK_PUBLISHED.postsPerSecond, SLACK_PUBLISHED.postBurst, performance.now()));
  let rateLimited = 0;
  let seq = 0;

  function reply(res: http.ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  }

  function handle(method: string, body: URLSearchParams | Record<string, unknown>, res: http.ServerResponse, at: number): void {
    const field = (name: string): string | undefined => {
      const v = body instanceof URLSearchParams ? body.get(name) : body[name];
      return typeof v === 'string' ? v : undefined;
    };
    switch (method) {
      case 'auth.test':
        return reply(res, 200, { ok: true, url: 'https://bench.slack.test/', team: 'Bench', user: 'pia', team_id: 'TBENCH', user_id: 'UPIABOT', bot_id: 'BPIA' });
      case 'chat.postMessage': {
        const channel = field('channel');
        if (!channel) return reply(res, 200, { ok: false, error: 'channel_not_found' });
        const wait = posts(channel).take(at);
        if (wait > 0) {
          rateLimited++;
          return reply(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(Math.ceil(wait / 1000)) });
        }
        const ts = `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, '0')}`;
        const answer = { at, text: field('text') ?? '' };
        if (!answers.has(channel)) answers.set(channel, answer);
        waiters.get(channel)?.(answer);
        return reply(res, 200, { ok: true, channel, ts, message: { type: 'message', user: 'UPIABOT', ts, text: answer.text } });
      }
      default:
        return reply(res, 200, { ok: false, error: 'unknown_method' });
    }
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const path = (req.url ?? '').split('?')[0] ?? '';
      if (!path.startsWith('/api/')) return void res.writeHead(404).end();
      const method = path.slice('/api/'.length);
      calls[method] = (calls[method] ?? 0) + 1;
      if (req.headers.authorization !== `Bearer ${BOT_TOKEN}`) return reply(res, 200, { ok: false, error: 'invalid_auth' });
      const raw = Buffer.concat(chunks).toString();
      let body: URLSearchParams | Record<string, unknown>;
      try {
        body = (req.headers['content-type'] ?? '').startsWith('application/json') ? (JSON.parse(raw || '{}') as Record<string, unknown>) : new URLSearchParams(raw);
      } catch {
        return reply(res, 200, { ok: false, error: 'invalid_json' });
      }
      handle(method, body, res, at);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    botToken: BOT_TOKEN,
    calls,
    get rateLimited() {
      return rateLimited;
    },
    answerIn(channel, timeoutMs) {
      const seen = answers.get(channel);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(channel);
          reject(new Error(`no answer in ${channel} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.set(channel, (a) => {
          clearTimeout(timer);
          waiters.delete(channel);
          resolve(a);
        });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
