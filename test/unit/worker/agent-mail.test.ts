import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/common/logger.js';
import type { WorkerMessage } from '../../../src/protocol/messages.js';
import { startAgentSocket } from '../../../src/worker/agent/agent-socket.js';
import { createMailRequests } from '../../../src/worker/agent/mail-requests.js';
import { agentSocketPath } from '../../../src/worker/agent/socket-path.js';
import { tempDir } from '../../helpers/tmp.js';
import { until } from '../../helpers/wait.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A worker's mail side against a recorded hub link. */
function requests(linked = true) {
  const sent: WorkerMessage[] = [];
  const state = { linked };
  const mail = createMailRequests({ send: (m) => (sent.push(m), state.linked), linked: () => state.linked });
  return { mail, sent, state };
}

const ID = '<relay-1@example.test>';

describe('worker mail requests', () => {
  it('a waited-for answer that comes after a reconnect still reaches the agent', async () => {
    const { mail, sent } = requests();
    const answers: unknown[] = [];
    const pending = mail.send({ taskId: 'task00001', to: 'm3', text: 'run the tests' }, (a) => answers.push(a));
    const send = sent[0] as Extract<WorkerMessage, { type: 'mail.send' }>;
    expect(send).toMatchObject({ type: 'mail.send', taskId: 'task00001', to: 'm3', text: 'run the tests', wait: true });
    mail.handle({ type: 'mail.sent', requestId: send.requestId, ok: true, messageId: ID, address: 'pia+m3@example.test' });
    expect(await pending).toMatchObject({ messageId: ID, address: 'pia+m3@example.test' });

    mail.onLinkDown();
    mail.onLinkUp();
    expect(sent[1]).toEqual({ type: 'mail.watch', messageIds: [ID] });
    mail.handle({ type: 'mail.answer', messageId: ID, machine: 'm3', taskId: 'task00002', state: 'succeeded', text: 'all green' });
    expect(answers).toEqual([{ machine: 'm3', taskId: 'task00002', state: 'succeeded', text: 'all green' }]);
    // Answered: nothing is awaited any more.
    mail.onLinkUp();
    expect(sent).toHaveLength(2);
  });

  it('a send is refused plainly when the hub is not linked, drops mid-request, or refuses it', async () => {
    const off = requests(false);
    await expect(off.mail.send({ taskId: 'task00001', to: 'm3', text: 'x' })).rejects.toThrow('The worker is not linked to its hub right now; nothing was sent.');
    expect(off.sent).toHaveLength(0);

    const { mail, sent } = requests();
    const dropped = mail.send({ taskId: 'task00001', to: 'm3', text: 'x' });
    mail.onLinkDown();
    await expect(dropped).rejects.toThrow('The link to the hub dropped before it answered');

    const refused = mail.send({ taskId: 'task00001', to: 'm9', text: 'x' });
    const req = sent[1] as Extract<WorkerMessage, { type: 'mail.send' }>;
    mail.handle({ type: 'mail.sent', requestId: req.requestId, ok: false, error: 'No machine named "m9".' });
    await expect(refused).rejects.toThrow('No machine named "m9".');
  });
});

describe('agent socket', () => {
  async function socket(taskOfToken: (t: string) => string | undefined) {
    const dir = tempDir('pia-agent-sock-');
    cleanups.push(dir.cleanup);
    const { mail, sent } = requests();
    const s = await startAgentSocket({ path: agentSocketPath(dir.dir), mail, taskOfToken, log: silentLogger() });
    cleanups.push(() => s.close());
    return { s, mail, sent };
  }

  function ask(socketPath: string, line: string): Promise<Array<Record<string, unknown>>> {
    return new Promise((resolve, reject) => {
      const c = net.createConnection(socketPath);
      let out = '';
      c.on('connect', () => c.write(line));
      c.on('data', (d) => (out += d));
      c.on('error', reject);
      c.on('close', () => resolve(out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)));
    });
  }

  it('hostile task text reaches the hub verbatim; bad requests and unknown tokens get a clear error', async () => {
    const token = 't'.repeat(32);
    const { s, mail, sent } = await socket((t) => (t === token ? 'task00001' : undefined));
    const hostile = 'fix it; rm -rf ~ $(touch /tmp/x) `id` "quoted"\nsecond line';
    const replies = ask(s.path, JSON.stringify({ op: 'mail', token, to: 'm3', text: hostile }) + '\n');
    const req = (await until(() => sent[0])) as Extract<WorkerMessage, { type: 'mail.send' }>;
    expect(req).toMatchObject({ taskId: 'task00001', to: 'm3', text: hostile, wait: false });
    mail.handle({ type: 'mail.sent', requestId: req.requestId, ok: true, messageId: ID, address: 'pia+m3@example.test' });
    expect(await replies).toEqual([{ type: 'sent', messageId: ID, address: 'pia+m3@example.test' }]);

    expect(await ask(s.path, 'not json\n')).toEqual([{ type: 'error', message: 'not a JSON request' }]);
    expect(await ask(s.path, JSON.stringify({ op: 'mail', token, to: 'm3' }) + '\n')).toEqual([{ type: 'error', message: expect.stringMatching(/^bad request: text: /) }]);
    expect(await ask(s.path, JSON.stringify({ op: 'mail', token: 'u'.repeat(32), to: 'm3', text: 'x' }) + '\n')).toEqual([
      { type: 'error', message: 'PIA_TASK_TOKEN does not belong to a running task on this worker' },
    ]);
    expect(sent).toHaveLength(1);
  });

  it('lives in the state dir, or in the temp dir when that path is too long for a Unix socket', () => {
    expect(agentSocketPath('/var/lib/pia', 'linux')).toBe(path.join('/var/lib/pia', 'agent.sock'));
    const long = agentSocketPath(`/var/lib/${'x'.repeat(120)}`, 'linux');
    expect(long).toMatch(/pia-agent-[0-9a-f]{16}\.sock$/);
    expect(long.length).toBeLessThan(100);
    expect(agentSocketPath('C:\\pia', 'win32')).toMatch(/^\\\\\.\\pipe\\pia-agent-[0-9a-f]{16}$/);
  });
});
