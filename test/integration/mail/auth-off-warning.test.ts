import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadPiaConfig } from '../../../src/app/config.js';
import { createPia } from '../../../src/app/create-pia.js';
import { ADMIN_TOKEN } from '../../helpers/hub.js';
import { offlineMailEnv } from '../../helpers/mail-env.js';
import { tempDir } from '../../helpers/tmp.js';

/** Starts and stops a real PIA with these variables; returns the messages it logged at warn level. */
async function warningsOfHub(env: Record<string, string>): Promise<string[]> {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const tmp = tempDir();
  try {
    const config = loadPiaConfig({ PIA_DATA_DIR: tmp.dir, PIA_PORT: '0', PIA_HOST: '127.0.0.1', PIA_LOCAL_WORKER: '0', PIA_CONSOLE: '0', ...env });
    const pia = await createPia({ config, adminToken: ADMIN_TOKEN, log: pino({ level: 'warn' }, sink) });
    await pia.start();
    await pia.stop();
  } finally {
    tmp.cleanup();
  }
  return lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40).map((l) => l.msg);
}

describe('turning mail authentication off', () => {
  it('is said out loud when the hub starts', async () => {
    expect(await warningsOfHub(offlineMailEnv({ PIA_MAIL_REQUIRE_AUTH: '0' }))).toContain('mail authentication is off: anyone who can put mail into this mailbox can act as any sender');
  });

  it('and not said when it is on (the default)', async () => {
    expect(await warningsOfHub(offlineMailEnv())).not.toContain('mail authentication is off: anyone who can put mail into this mailbox can act as any sender');
  });
});
