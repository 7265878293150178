import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/common/logger.js';
import { loadWorkerConfig } from '../../../src/worker/config.js';
import { createWorker } from '../../../src/worker/worker.js';
import { startTestHub, type TestHub } from '../../helpers/hub.js';
import { tempDir } from '../../helpers/tmp.js';
import { haveBinary } from '../../helpers/system.js';
import { selfSignedCert } from '../../helpers/tls.js';
import { nextEvent, until } from '../../helpers/wait.js';

const haveOpenssl = haveBinary('openssl', 'apt-get install openssl');
let t: TestHub;
let certs: { cert: string; key: string };
const dir = tempDir();

beforeAll(async () => {
  if (!haveOpenssl) return;
  certs = selfSignedCert(dir.dir);
  t = await startTestHub({ env: { PIA_TLS_CERT: certs.cert, PIA_TLS_KEY: certs.key } });
});
afterAll(async () => {
  await t?.stop();
  dir.cleanup();
});

describe.runIf(haveOpenssl)('TLS', () => {
  it('serves the API over https and links workers over wss:// with a trusted CA file', async () => {
    expect(t.httpUrl).toMatch(/^https:/);
    expect(t.linkUrl).toMatch(/^wss:/);
    const health = await new Promise<string>((resolve, reject) => {
      https
        .get(`${t.httpUrl}/api/health`, { agent: new Agent({ ca: readFileSync(certs.cert) }) }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve(body));
        })
        .on('error', reject);
    });
    expect(JSON.parse(health).status).toBe('ok');

    const res = await new Promise<{ joinToken: string }>((resolve, reject) => {
      const req = https.request(
        `${t.httpUrl}/api/machines`,
        { method: 'POST', ca: readFileSync(certs.cert), headers: { authorization: 'Bearer test-admin-token-0123456789', 'content-type': 'application/json' } },
        (r) => {
          let body = '';
          r.on('data', (c) => (body += c));
          r.on('end', () => resolve(JSON.parse(body)));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ name: 'secure' }));
    });

    const stateDir = tempDir('pia-worker-').dir;
    const config = loadWorkerConfig({ hub: t.linkUrl, join: res.joinToken, stateDir, ca: certs.cert }, { PIA_REPO_ROOTS: stateDir });
    const worker = createWorker({ config, log: silentLogger() });
    const online = nextEvent(t.pia.events, 'machine.online', (e) => e.machine === 'secure');
    void worker.run();
    await online;
    await until(() => worker.link.linked);
    await worker.stop();
  });

  it('a worker that does not trust the certificate never links', async () => {
    const stateDir = tempDir('pia-worker-').dir;
    const config = loadWorkerConfig({ hub: t.linkUrl, join: 'pia_j_whatever', stateDir }, { PIA_REPO_ROOTS: stateDir });
    const worker = createWorker({ config, log: silentLogger() });
    let helloArrived = false;
    const off = t.pia.events.on('link.refused', () => (helloArrived = true));
    void worker.run();
    await new Promise((r) => setTimeout(r, 500));
    expect(worker.link.linked).toBe(false);
    expect(helloArrived).toBe(false); // refused by TLS before any hello reached the hub
    off();
    await worker.stop();
  });
});
