import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../common/logger.js';
import type { EventBus, PublishedEvent } from './events.js';

/** Options for the observers' socket. */
export interface ObserverOptions {
  /** An observer that falls this many bytes behind is disconnected rather than buffered without bound. */
  maxBufferedBytes?: number;
}

/** The observers' WebSocket: every bus event, as JSON, to authenticated dashboards and CLIs. */
export interface ObserverServer {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  count(): number;
  close(): Promise<void>;
}

/**
 * Creates the observers' socket. Each event is serialised once and sent to every observer; a slow observer is
 * closed with 1013 (try again later) instead of letting its queue grow in the hub's memory.
 */
export function createObserverServer(deps: { bus: EventBus; log: Logger; options?: ObserverOptions }): ObserverServer {
  const maxBuffered = deps.options?.maxBufferedBytes ?? 8 * 1024 * 1024;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
  const observers = new Set<WebSocket>();

  wss.on('connection', (ws) => {
    observers.add(ws);
    ws.on('close', () => observers.delete(ws));
    ws.on('error', (err) => deps.log.debug({ err: err.message }, 'observer socket error'));
    // Observers only listen; anything they send is ignored.
  });

  const unsubscribe = deps.bus.onAny((event: PublishedEvent) => {
    if (observers.size === 0) return;
    const frame = JSON.stringify({ type: 'event', event: event.name, at: event.at, data: event.data });
    for (const ws of observers) {
      if (ws.bufferedAmount > maxBuffered) {
        deps.log.warn('observer too slow; disconnecting it');
        observers.delete(ws);
        ws.close(1013, 'too slow: events were piling up');
        continue;
      }
      ws.send(frame);
    }
  });

  return {
    handleUpgrade(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    count: () => observers.size,
    async close() {
      unsubscribe();
      for (const ws of observers) ws.close(1001, 'hub shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      for (const ws of wss.clients) ws.terminate();
    },
  };
}
