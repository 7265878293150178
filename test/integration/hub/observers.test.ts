import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../../helpers/hub.js';
import { testWorker } from '../../helpers/worker.js';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t.stop();
});

function observe(headers: Record<string, string>, query = ''): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${t.port}/api/events${query}`, { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

describe("observers' socket", () => {
  it('refuses observers without the admin token', async () => {
    await expect(observe({})).rejects.toThrow('HTTP 401');
    await expect(observe({ authorization: 'Bearer wrong-token-wrong-token' })).rejects.toThrow('HTTP 401');
  });

  it('streams events to an observer with the token, in order', async () => {
    const ws = await observe({ authorization: `Bearer ${ADMIN_TOKEN}` });
    const events: Array<{ event: string; data: { machine?: string } }> = [];
    const gotOnline = new Promise<void>((resolve) =>
      ws.on('message', (raw) => {
        const e = JSON.parse(raw.toString());
        events.push(e);
        if (e.event === 'machine.online') resolve();
      }),
    );
    const { body } = await t.api<{ joinToken: string }>('POST', '/api/machines', { name: 'watched' });
    const worker = testWorker({ hub: t.linkUrl, join: body.joinToken });
    void worker.run();
    await gotOnline;
    expect(events.map((e) => e.event)).toEqual(['machine.registered', 'machine.online']);
    expect(events[1]!.data.machine).toBe('watched');
    await worker.stop();
    ws.close();
  });

  it('accepts the token as a query parameter for browsers', async () => {
    const ws = await observe({}, `?token=${ADMIN_TOKEN}`);
    ws.close();
  });
});
