import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { EventBus, PublishedEvent } from '../../events.js';

/** The path of the hub's events as Server-Sent Events (the web page's live updates). */
export const EVENT_STREAM_PATH = '/api/events/stream';

/** Options for the event stream. */
export interface EventStreamOptions {
  /** A client that falls this many bytes behind is disconnected (its browser reconnects and reloads its state). */
  maxBufferedBytes?: number;
  /** A comment line this often keeps idle connections open through proxies. */
  keepAliveMs?: number;
}

/**
 * `GET /api/events/stream`: every hub event as Server-Sent Events, for a browser (which sends its session cookie
 * with an EventSource, where it cannot with a WebSocket's headers). The same JSON as the observers' socket. Each
 * event is serialised once for all clients; a client that cannot keep up is closed rather than buffered without
 * bound.
 */
export function eventStreamRoutes(app: FastifyInstance, deps: { events: Pick<EventBus, 'onAny'>; options?: EventStreamOptions }): { count(): number } {
  const maxBuffered = deps.options?.maxBufferedBytes ?? 8 * 1024 * 1024;
  const clients = new Set<ServerResponse>();

  const unsubscribe = deps.events.onAny((event: PublishedEvent) => {
    if (clients.size === 0) return;
    const frame = `data: ${JSON.stringify({ type: 'event', event: event.name, at: event.at, data: event.data })}\n\n`;
    for (const res of clients) {
      if (res.writableLength > maxBuffered) {
        clients.delete(res);
        res.end();
        continue;
      }
      res.write(frame);
    }
  });
  const keepAlive = setInterval(() => {
    for (const res of clients) res.write(': keep-alive\n\n');
  }, deps.options?.keepAliveMs ?? 15_000);
  keepAlive.unref();

  app.get(EVENT_STREAM_PATH, async (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 2000\n: connected\n\n');
    clients.add(res);
    req.raw.on('close', () => clients.delete(res));
  });

  // Open streams never end by themselves: end them so the server can close.
  app.addHook('preClose', async () => {
    unsubscribe();
    clearInterval(keepAlive);
    for (const res of clients) res.end();
    clients.clear();
  });
  return { count: () => clients.size };
}
