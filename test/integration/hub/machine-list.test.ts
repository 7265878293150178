import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../../helpers/hub.js';

const COUNT = 1201;
let t: TestHub;

beforeAll(async () => {
  t = await startTestHub();
  const names = Array.from({ length: COUNT }, (_, i) => `m${String(i).padStart(4, '0')}`);
  for (let i = 0; i < names.length; i += 50) {
    await Promise.all(names.slice(i, i + 50).map((name) => t.api('POST', '/api/machines', { name })));
  }
}, 60_000);
afterAll(() => t.stop());

// At 19,000 machines one listing built as a single string added about 90 MB to the hub's peak RSS.
describe('GET /api/machines on a large fleet', () => {
  it('streams every machine once, in name order, in pages rather than one body built whole', async () => {
    const res = await fetch(`${t.httpUrl}/api/machines`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    // Written as it is produced: no length known up front.
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect(res.headers.get('content-length')).toBeNull();
    const { machines } = (await res.json()) as { machines: { name: string; status: string }[] };
    const names = machines.map((m) => m.name);
    expect(names).toHaveLength(COUNT);
    expect(new Set(names).size).toBe(COUNT);
    expect(names).toEqual([...names].sort());
    expect(machines.every((m) => m.status === 'offline')).toBe(true);
  });

  it('an empty registry is an empty list', async () => {
    const empty = await startTestHub();
    try {
      expect((await empty.api('GET', '/api/machines')).body).toEqual({ machines: [] });
    } finally {
      await empty.stop();
    }
  });
});
