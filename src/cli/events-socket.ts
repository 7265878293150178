import WebSocket from 'ws';
import { PiaError } from '../common/errors.js';
import type { ApiTarget } from './api-client.js';

/** One event from the hub's observers' socket. */
export interface ObservedEvent {
  event: string;
  at: string;
  data: Record<string, unknown>;
}

/** Opens the observers' socket (`/api/events`) and calls `onEvent` for each event until closed. */
export async function openEvents(target: ApiTarget, onEvent: (e: ObservedEvent) => void): Promise<{ close: () => void }> {
  const url = new URL('/api/events', target.url);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(url, { headers: target.token ? { authorization: `Bearer ${target.token}` } : {} });
  ws.on('message', (raw) => {
    try {
      onEvent(JSON.parse(raw.toString()) as ObservedEvent);
    } catch {
      // not an event frame
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) =>
      reject(new PiaError(res.statusCode === 401 ? 'unauthorized' : 'bad_response', `The hub refused the event stream (HTTP ${res.statusCode}); check PIA_ADMIN_TOKEN`)),
    );
    ws.once('error', (err) => reject(new PiaError('hub_unreachable', `Cannot reach the hub at ${target.url} (${err.message})`)));
  });
  return { close: () => ws.close() };
}
