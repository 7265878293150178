import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';
import { offlineMailEnv, TEST_AUTHSERV_ID } from '../../helpers/mail-env.js';
import { until } from '../../helpers/wait.js';

// Without a mail server: the handler and the mail reporter on a real hub and worker; what they queue is read from
// the outbox table (the SMTP server is unreachable on purpose, so nothing leaves it).
let f: TestFleet;
beforeAll(async () => {
  f = await startFleet({
    hubEnv: offlineMailEnv({ PIA_MAIL_UNKNOWN_SENDERS: 'refuse', PIA_MAIL_DIGEST_MIN: '0.001' }),
  });
});
afterAll(async () => {
  await f.stop();
});

let uid = 100;
const raw = (id: string, body: string, headers: string[] = []) =>
  Buffer.from(['From: ada@example.test', 'To: pia+local@example.test', 'Subject: task', `Message-ID: ${id}`, ...headers, '', body].join('\r\n'));
const outbox = (kind: string) => f.t.db().prepare('SELECT to_addrs, body FROM mail_outbox WHERE kind = ? ORDER BY id').all(kind) as Array<{ to_addrs: string; body: string }>;

describe('mail trust and digests', () => {
  it('by default a mail needs the fleet server\'s DMARC pass: without it, nothing starts and nothing is answered', async () => {
    const handler = f.t.pia.mail!.handler;
    expect(await handler.handle({ mailbox: 'INBOX', uidvalidity: 1, uid: uid++, raw: raw('<n1@example.test>', 'lines=0', ['Authentication-Results: mx.example.test; dkim=pass header.d=example.test; spf=pass']) })).toBe('refused');
    expect(outbox('refusal')).toEqual([]); // even with PIA_MAIL_UNKNOWN_SENDERS=refuse: a forged From gets nothing
    const signed = raw('<n2@example.test>', 'lines=0', [`Authentication-Results: ${TEST_AUTHSERV_ID}; dkim=pass header.d=example.test; spf=pass`]);
    expect(await handler.handle({ mailbox: 'INBOX', uidvalidity: 1, uid: uid++, raw: signed })).toBe('task');
  });

  it('a long task sends a digest of its latest output now and then, not a mail per line', async () => {
    const handler = f.t.pia.mail!.handler;
    const mail = raw('<long@example.test>', 'lines=3 rate=20 sleep=1500', [`Authentication-Results: ${TEST_AUTHSERV_ID}; dmarc=pass header.from=example.test`]);
    expect(await handler.handle({ mailbox: 'INBOX', uidvalidity: 1, uid: uid++, raw: mail })).toBe('task');
    const task = (await f.t.tasks({ limit: 1 }))[0]!;
    // Running, with its third line stored (the digest shows the latest output).
    await until(async () => (await f.t.task(task.id))?.state === 'running' && (await f.outputText(task.id)).includes('line 3'), 5000);
    await new Promise((r) => setTimeout(r, 150)); // longer than PIA_MAIL_DIGEST_MIN
    f.t.pia.mail!.sendDigests();
    f.t.pia.mail!.sendDigests(); // at most one per interval
    // Only this task's digests: an earlier test's task may still be running on a slow machine.
    const digests = outbox('digest').filter((d) => d.body.includes(task.id));
    expect(digests).toHaveLength(1);
    expect(digests[0]!.body).toMatch(new RegExp(`^Task ${task.id} on local is still running \\(since .+\\)\\. Latest output:\\n\\n[\\s\\S]*line 3`));
    expect(JSON.parse(digests[0]!.to_addrs)).toEqual(['ada@example.test']);
  });
});
