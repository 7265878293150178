import WebSocket from 'ws';

/** The hub's observers' socket (`/api/events`), counting events by name as a dashboard would see them. */
export interface HubEvents {
  /** How many events of `name` arrived so far, optionally only those whose data matches. */
  count(name: string, match?: (data: Record<string, unknown>) => boolean): number;
  close(): void;
}

/** Connects with the admin token; resolves once the socket is open. */
export async function watchHubEvents(httpUrl: string, token: string): Promise<HubEvents> {
  const seen: { name: string; data: Record<string, unknown> }[] = [];
  const ws = new WebSocket(`${httpUrl.replace(/^http/, 'ws')}/api/events`, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
  ws.on('message', (raw) => {
    try {
      const msg = JSON.parse(raw.toString()) as { event?: string; data?: Record<string, unknown> };
      if (typeof msg.event === 'string') seen.push({ name: msg.event, data: msg.data ?? {} });
    } catch {
      // not an event frame
    }
  });
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    count: (name, match) => seen.filter((e) => e.name === name && (!match || match(e.data))).length,
    close: () => ws.terminate(),
  };
}
