import { afterEach, describe, expect, it } from 'vitest';
import { createWorkerLink, type WorkerLink } from '../../../src/worker/link.js';
import { startTestHub, type TestHub } from '../../helpers/hub.js';
import { captureLog } from '../../helpers/log-lines.js';
import { sampleFacts } from '../../helpers/raw-link.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';
import { until } from '../../helpers/wait.js';

let hub: TestHub | undefined;
let link: WorkerLink | undefined;
let proxy: TcpProxy | undefined;
afterEach(async () => {
  await link?.stop();
  await proxy?.close().catch(() => undefined);
  await hub?.stop();
});

describe('worker link reconnects', () => {
  it('after a healthy link drops without a close frame (the hub was killed), retries stay within the restart window', async () => {
    hub = await startTestHub();
    const { body } = await hub.api<{ joinToken: string }>('POST', '/api/machines', { name: 'w1' });
    proxy = await startTcpProxy(hub.port);
    const captured = captureLog();
    let secret: string | undefined;
    link = createWorkerLink({
      url: `ws://127.0.0.1:${proxy.port}/link`,
      log: captured.log,
      hello: async () => ({ auth: secret ? { kind: 'secret', secret } : { kind: 'join', token: body.joinToken }, facts: sampleFacts('w1') }),
      onWelcome: (w) => void (secret = w.secret ?? secret),
      // Small numbers, and every delay at its ceiling, so the test sees the backoff's shape in well under a second.
      backoff: { baseMs: 10, capMs: 60_000 },
      random: () => 0.999,
      healthyAfterMs: 50,
    });
    void link.run().catch(() => undefined);
    await until(() => link!.linked, 5000);
    await new Promise((r) => setTimeout(r, 100)); // healthy
    // The hub "dies": its sockets go away without a close frame, and nothing listens any more.
    await proxy.close();
    const retries = () => captured.lines.filter((l) => l.msg === 'link down; reconnecting').map((l) => l.retryInMs as number);
    await until(() => retries().length >= 8, 10_000, 10);
    expect(retries()[0]).toBeLessThan(10); // attempt 0 after a healthy link
    // Capped at base * 2^3 (as after a hub's own "shutting down") instead of doubling towards a minute.
    expect(Math.max(...retries().slice(0, 8))).toBeLessThanOrEqual(80);
  }, 20_000);
});
