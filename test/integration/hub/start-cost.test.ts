import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../../src/common/version.js';
import { exited, spawnPia } from '../../helpers/cli.js';
import { freePort } from '../../helpers/ports.js';
import { tempDir } from '../../helpers/tmp.js';
import { until } from '../../helpers/wait.js';

const preload = path.join(projectRoot, 'test', 'fixtures', 'record-packages.mjs');

/**
 * A hub's start-up was mostly loading SDKs it did not use (discord.js alone about half of it; 6.9 s at 10,000
 * machines on a loaded machine). Not a timed test: it checks what a hub without chat, mail or SSH work loads.
 */
describe('hub start-up', () => {
  it('loads no chat, mail or SSH library that is not configured', async () => {
    const tmp = tempDir();
    const list = path.join(tmp.dir, 'packages.txt');
    const port = await freePort();
    const hub = spawnPia(['hub'], {
      PIA_DATA_DIR: path.join(tmp.dir, 'data'),
      PIA_PORT: String(port),
      PIA_HOST: '127.0.0.1',
      PIA_LOCAL_WORKER: '0',
      PIA_ADMIN_TOKEN: 'test-admin-token-0123456789',
      PIA_LOG_LEVEL: 'warn',
      NODE_OPTIONS: `--import=${preload}`,
      PIA_TEST_PACKAGES_FILE: list,
    });
    try {
      await until(async () => (await fetch(`http://127.0.0.1:${port}/api/health`).catch(() => undefined))?.ok, 20_000, 100);
      // Work a fresh hub does right away: list machines and tasks.
      const res = await fetch(`http://127.0.0.1:${port}/api/machines`, { headers: { authorization: 'Bearer test-admin-token-0123456789' } });
      expect(res.status).toBe(200);
    } finally {
      hub.kill('SIGTERM');
      await exited(hub);
    }
    const loaded = readFileSync(list, 'utf8').split('\n');
    // The recording works: the HTTP server's package is there.
    expect(loaded).toContain('fastify');
    for (const unused of ['discord.js', '@slack/bolt', 'ssh2', 'imapflow', 'nodemailer', 'mailparser']) expect(loaded, hub.output()).not.toContain(unused);
  }, 30_000);
});
