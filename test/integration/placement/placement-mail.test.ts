import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { git } from '../../helpers/git.js';
import { startTestHub, type TestHub } from '../../helpers/hub.js';
import { offlineMailEnv, stampAuth } from '../../helpers/mail-env.js';
import { tempDir } from '../../helpers/tmp.js';
import { nextEvent, until } from '../../helpers/wait.js';
import { fakeAgentEnv, testWorker } from '../../helpers/worker.js';

// Mail to the fleet's `any` address (pia+any@...): the hub places it. Without a mail server: the handler on a real
// hub with real workers; what it would send is read from the outbox table.
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function enrol(t: TestHub, name: string, stateDir?: string) {
  const { body } = await t.api<{ joinToken: string }>('POST', '/api/machines', { name });
  const worker = testWorker({ hub: t.linkUrl, join: body.joinToken, ...(stateDir ? { stateDir } : {}), env: fakeAgentEnv() });
  cleanups.push(() => worker.stop());
  const online = nextEvent(t.pia.events, 'machine.online', (e) => e.machine === name);
  void worker.run();
  await online;
  await until(() => worker.link.linked);
}

function stateWithRepo(name: string): string {
  const dir = tempDir('pia-worker-').dir;
  git(dir, 'init', '--quiet', '--initial-branch=main', path.join(dir, name));
  git(path.join(dir, name), 'remote', 'add', 'origin', `https://github.com/acme/${name}.git`);
  return dir;
}

const mail = (id: string, subject: string, body: string) =>
  Buffer.from(stampAuth(['From: ada@example.test', 'To: pia+any@example.test', `Subject: ${subject}`, `Message-ID: ${id}`, '', body].join('\r\n')));

describe('mail to the any address', () => {
  it('is placed by its target: line, acknowledged from the chosen machine with the reason, and acts once when handled again', async () => {
    const t = await startTestHub({ env: offlineMailEnv() });
    cleanups.push(() => t.stop());
    await enrol(t, 'plain');
    await enrol(t, 'holder', stateWithRepo('widget'));
    const handler = t.pia.mail!.handler;
    const outbox = (id: string) => t.db().prepare('SELECT from_addr, body FROM mail_outbox WHERE in_reply_to = ? ORDER BY id').all(id) as Array<{ from_addr: string; body: string }>;

    expect(await handler.handle({ mailbox: 'INBOX', uidvalidity: 1, uid: 1, raw: mail('<a1@example.test>', 'Fix the flaky test', 'target: any[repo=acme/widget]\nlines=1') })).toBe('task');
    const [task] = await t.tasks({ limit: 1 });
    expect(task).toMatchObject({ machine: 'holder', prompt: 'Fix the flaky test\n\nlines=1' });
    const [ack] = outbox('<a1@example.test>');
    expect(ack!.from_addr).toBe('pia+holder@example.test');
    expect(ack!.body).toMatch(new RegExp(`^→ holder: has acme/widget, idle\\nTask ${task!.id} \\(run\\) on holder\\. `));

    // No target line: any machine. Handled again after a crash before its record: the task it made, not a second
    // one on the machine that is now the idler of the two.
    const id = '<a2@example.test>';
    expect(await handler.handle({ mailbox: 'INBOX', uidvalidity: 1, uid: 2, raw: mail(id, 'Tidy up', 'lines=0 sleep=2000') })).toBe('task');
    const first = (await t.tasks({ limit: 1 }))[0]!;
    expect(first.machine).toBe('plain');
    const db = t.db();
    db.transaction(() => {
      db.prepare('DELETE FROM mail_inbound WHERE message_id = ?').run(id);
      db.prepare('DELETE FROM mail_task_messages WHERE task_id = ?').run(first.id);
      db.prepare('DELETE FROM mail_task_origins WHERE task_id = ?').run(first.id);
      db.prepare("DELETE FROM mail_outbox WHERE kind = 'ack' AND task_id = ?").run(first.id);
    })();
    expect(await handler.handle({ mailbox: 'INBOX', uidvalidity: 1, uid: 2, raw: mail(id, 'Tidy up', 'lines=0 sleep=2000') })).toBe('task');
    expect((await t.tasks({ limit: 50 })).filter((x) => x.prompt?.startsWith('Tidy up'))).toEqual([expect.objectContaining({ id: first.id, machine: 'plain' })]);

    // A target line that cannot be read: nothing starts, and the answer points at the fault.
    expect(await handler.handle({ mailbox: 'INBOX', uidvalidity: 1, uid: 3, raw: mail('<a3@example.test>', 'Train', 'target: any[gpu.mem>=lots]\ngo') })).toBe('failed');
    expect(outbox('<a3@example.test>')[0]!.body).toMatch(/^Nothing was started: Cannot read the target at character 14: /);
    expect(await handler.handle({ mailbox: 'INBOX', uidvalidity: 1, uid: 4, raw: mail('<a4@example.test>', 'Train', 'target: any[gpu]\ngo') })).toBe('failed');
    expect(outbox('<a4@example.test>')[0]!.body).toBe('Nothing was started: No machine fits any[gpu]. Nearest misses: holder (no gpu); plain (no gpu).\n');
  });
});
