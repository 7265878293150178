import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../../src/protocol/messages.js';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';
import { offlineMailEnv, stampAuth } from '../../helpers/mail-env.js';
import { rawLink, sampleFacts, type RawLink } from '../../helpers/raw-link.js';
import { until } from '../../helpers/wait.js';

// The hub's side of machine-to-machine mail, without a mail server: a hand-driven worker link plays m2's worker,
// the real local worker runs the relayed task, and the mails PIA queued are handed back to the inbound handler as
// the mailbox would (same Message-ID, same headers). Covers the cases the end-to-end test cannot time: the asking
// worker away when the answer comes, the requester losing their role in between, and the depth limit.
let f: TestFleet;
let secret: string;
let uid = 100;

type Msg = { type: string; [k: string]: unknown };
type OutboxRow = { kind: string; message_id: string; from_addr: string; to_addrs: string; subject: string; in_reply_to: string | null; refs: string; body: string; task_id: string | null };

async function nextOf(link: RawLink, type: string): Promise<Msg> {
  for (;;) {
    const m = (await link.next()) as Msg;
    if (m.type === type) return m;
  }
}

/** Opens m2's link (joining the first time) and waits for the welcome; `running` is its ledger. */
async function linkM2(auth: object, running: string[] = []): Promise<RawLink> {
  const link = rawLink(f.t.linkUrl);
  await link.opened;
  const ledger = running.map((taskId) => ({ taskId, state: 'running' }));
  link.ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, auth, facts: sampleFacts('m2'), maxTasks: 5, ledger }));
  const welcome = await nextOf(link, 'welcome');
  if (typeof welcome.secret === 'string') secret = welcome.secret;
  return link;
}

/** A queued mail as it comes back out of the mailbox. */
function asDelivered(row: OutboxRow): Buffer {
  const refs = JSON.parse(row.refs) as string[];
  return Buffer.from(
    [
      `From: ${row.from_addr}`,
      `To: ${(JSON.parse(row.to_addrs) as string[]).join(', ')}`,
      `Subject: ${row.subject}`,
      `Message-ID: ${row.message_id}`,
      ...(row.in_reply_to ? [`In-Reply-To: ${row.in_reply_to}`] : []),
      ...(refs.length ? [`References: ${refs.join(' ')}`] : []),
      `Auto-Submitted: ${row.kind === 'relay' ? 'auto-generated' : 'auto-replied'}`,
      `X-PIA-Kind: ${row.kind}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      row.body,
    ].join('\r\n'),
  );
}

const outbox = (kind: string, taskId: string) => f.t.db().prepare<[string, string], OutboxRow>('SELECT * FROM mail_outbox WHERE kind = ? AND task_id = ?').get(kind, taskId);
const arrive = (row: OutboxRow) => f.t.pia.mail!.handler.handle({ mailbox: 'INBOX', uidvalidity: 1, uid: uid++, raw: asDelivered(row) });

/** A task on m2 that m2's (hand-driven) worker reports as running. */
async function runningOnM2(link: RawLink, create: () => Promise<unknown>): Promise<string> {
  await create();
  const assign = await nextOf(link, 'task.assign');
  const taskId = (assign.task as { id: string }).id;
  link.ws.send(JSON.stringify({ type: 'task.started', taskId, workspace: '/w', at: Date.now() }));
  await until(async () => (await f.t.task(taskId))?.state === 'running');
  return taskId;
}

function mailSend(link: RawLink, taskId: string, text: string, n: number): Promise<Msg> {
  link.ws.send(JSON.stringify({ type: 'mail.send', requestId: `req-${String(n).padStart(6, '0')}`, taskId, to: 'local', text, wait: true }));
  return nextOf(link, 'mail.sent');
}

beforeAll(async () => {
  f = await startFleet({ hubEnv: offlineMailEnv() });
});
afterAll(async () => {
  await f.stop();
});

describe('mail relays on the hub', () => {
  it('the answer waits for an asking worker that was away, and is handed over when it asks again', async () => {
    const { body } = await f.t.api<{ joinToken: string }>('POST', '/api/machines', { name: 'm2' });
    let m2 = await linkM2({ kind: 'join', token: body.joinToken });
    const asking = await runningOnM2(m2, () => f.create({ kind: 'run', machine: 'm2', prompt: 'work', origin: { kind: 'cli' } }));

    const sent = await mailSend(m2, asking, 'lines=1', 1);
    expect(sent).toMatchObject({ ok: true, address: 'pia+local@example.test', messageId: expect.stringMatching(/^<.+@example\.test>$/) });
    const relay = outbox('relay', asking)!;
    expect(relay).toMatchObject({ from_addr: 'pia+m2@example.test', to_addrs: '["pia+local@example.test"]', subject: 'lines=1' });
    expect(relay.body).toBe(`lines=1\n\n-- \nSent by the agent of task ${asking} on m2, for admin-token. Answer in this thread.\n`);

    // The relay comes back in through the mailbox: a task on local, for the person who asked m2's task.
    expect(await arrive(relay)).toBe('task');
    expect(await arrive(relay)).toBe('duplicate');
    const relayed = f.t.pia.mail!.relay.find(relay.message_id)!.target_task_id!;
    expect(await f.finished(relayed)).toMatchObject({ state: 'succeeded', machine: 'local', prompt: 'lines=1', requester: 'admin-token' });

    // m2's worker is away when local's result mail comes back: the answer is kept...
    m2.ws.close();
    await m2.closed;
    const result = await until(() => outbox('result', relayed));
    expect(result).toMatchObject({ from_addr: 'pia+local@example.test', to_addrs: '["pia+m2@example.test"]', in_reply_to: relay.message_id });
    expect(await arrive(result)).toBe('answer');
    expect(f.t.pia.mail!.relay.find(relay.message_id)).toMatchObject({ state: 'answered', result_state: 'succeeded', collected: 0 });

    // ...and handed over when the worker is back and says it still waits.
    m2 = await linkM2({ kind: 'secret', secret }, [asking]);
    m2.ws.send(JSON.stringify({ type: 'mail.watch', messageIds: [relay.message_id] }));
    const answer = await nextOf(m2, 'mail.answer');
    expect(answer).toMatchObject({ messageId: relay.message_id, machine: 'local', taskId: relayed, state: 'succeeded' });
    expect(answer.text).toMatch(/local: succeeded[^]*\nline 1$/);
    expect(f.t.pia.mail!.relay.find(relay.message_id)!.collected).toBe(1);
    m2.ws.close();
  }, 20_000);

  it('a requester who lost their role by the time the relay arrives: nothing starts, and the asking agent is told', async () => {
    const m2 = await linkM2({ kind: 'secret', secret });
    await f.t.api('POST', '/api/users', { identity: 'email:bob@example.test', role: 'operator' });
    const bobMail = Buffer.from(stampAuth(['From: bob@example.test', 'To: pia+m2@example.test', 'Subject: look around', `Message-ID: <bob-${Date.now()}@example.test>`, '', 'lines=0'].join('\r\n')));
    const asking = await runningOnM2(m2, () => f.t.pia.mail!.handler.handle({ mailbox: 'INBOX', uidvalidity: 1, uid: uid++, raw: bobMail }));
    expect((await f.t.task(asking))!.requester).toBe('email:bob@example.test');

    expect(await mailSend(m2, asking, 'lines=1', 2)).toMatchObject({ ok: true });
    await f.t.api('DELETE', `/api/users/${encodeURIComponent('email:bob@example.test')}`);
    const tasksBefore = (await f.t.tasks({ machine: 'local', limit: 1000 })).length;
    expect(await arrive(outbox('relay', asking)!)).toBe('refused');
    const answer = await nextOf(m2, 'mail.answer');
    expect(answer).toMatchObject({ machine: 'local', state: 'refused' });
    expect(answer.text).toBe('Nothing was started on local: You (email:bob@example.test) have no role in this PIA. An admin can add you: pia users add email:bob@example.test operator');
    expect((await f.t.tasks({ machine: 'local', limit: 1000 }))).toHaveLength(tasksBefore);

    // Sending is refused up front too, now that bob has no role.
    const refused = await mailSend(m2, asking, 'again', 3);
    expect(refused).toMatchObject({ ok: false, error: expect.stringContaining('email:bob@example.test, who asked this task, may not run tasks') });
    m2.ws.close();
  });

  it('work handed on three times stops there; a task may mail at most 20 times', async () => {
    const m2 = await linkM2({ kind: 'secret', secret });
    const asking = await runningOnM2(m2, () => f.create({ kind: 'run', machine: 'm2', prompt: 'deep', origin: { kind: 'cli' } }));
    // This task was itself started by a chain of three relays.
    f.t.db()
      .prepare("INSERT INTO mail_relays (message_id, origin_task_id, from_machine, to_machine, requester, depth, text, target_task_id, state, created_at) VALUES ('<chain@example.test>', ?, 'local', 'm2', 'admin-token', 3, 'deep', ?, 'started', ?)")
      .run(asking, asking, new Date().toISOString());
    const deep = await mailSend(m2, asking, 'one more', 10);
    expect(deep).toMatchObject({ ok: false, error: 'This work was already handed on 3 times; PIA stops at 3 so agents cannot mail each other in circles.' });

    const shallow = await runningOnM2(m2, () => f.create({ kind: 'run', machine: 'm2', prompt: 'chatty', origin: { kind: 'cli' } }));
    for (let i = 0; i < 20; i++) expect(await mailSend(m2, shallow, `job ${i}`, 20 + i)).toMatchObject({ ok: true });
    expect(await mailSend(m2, shallow, 'job 21', 99)).toMatchObject({ ok: false, error: `Task ${shallow} has mailed other machines 20 times, the most one task may.` });
    // A task id of another machine is refused: a worker speaks only for its own tasks.
    const [other] = await f.create({ kind: 'run', machine: 'local', prompt: 'sleep=3000 lines=0', origin: { kind: 'cli' } });
    await until(async () => (await f.t.task(other!.id))?.state === 'running');
    expect(await mailSend(m2, other!.id, 'x', 100)).toMatchObject({ ok: false, error: `Task ${other!.id} is not running on m2; only a running task's agent can mail other machines.` });
    m2.ws.close();
  });
});
