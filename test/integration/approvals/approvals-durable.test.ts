import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApprovalView } from '../../../src/protocol/api.js';
import { testChat } from '../../helpers/chat.js';
import { exited, pia, spawnPia } from '../../helpers/cli.js';
import { startFleet } from '../../helpers/fleet.js';
import { ADMIN_TOKEN, startTestHub } from '../../helpers/hub.js';
import { tempDir } from '../../helpers/tmp.js';
import { until } from '../../helpers/wait.js';
import { fakeAgentEnv, testWorker } from '../../helpers/worker.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function api<T>(base: string, method: string, p: string, body?: unknown): Promise<T> {
  const res = await fetch(base + p, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return (await res.json()) as T;
}

describe('approvals that outlast a link, a hub and the patience of the people asked', () => {
  it('nobody answers within PIA_APPROVAL_TIMEOUT_S: denied with that reason, said in the thread and the audit log', async () => {
    const f = await startFleet({ hubEnv: { PIA_APPROVAL_TIMEOUT_S: '1', PIA_OPERATORS: 'slack:UOP' }, workerEnv: { PIA_AGENT: 'claude' }, options: { approvalSweepMs: 100 } });
    cleanups.push(() => f.stop());
    const chat = testChat(f.t.pia.chat, 'slack');
    const started = await chat.say('slack:UOP', 'run local ask=1 lines=0');
    const taskId = /task (\w+)/.exec(started.text)![1]!;
    const asked = await until(() => chat.messages.find((m) => m.text.includes('Approval needed')), 10_000);
    const done = await f.finished(taskId);
    expect(done.state).toBe('succeeded');
    expect(await f.outputText(taskId, ['stdout'])).toContain('denied 1: Nobody answered within 1 s, so it was denied.\n');
    expect(asked.text).toMatch(/^⌛ Bash `touch file-1\.txt` \(\w{6}\) timed out at \d\d:\d\d:\d\d UTC: nobody answered, so it was denied$/);
    expect(asked.buttons).toEqual([]);
    const audit = (await f.t.api<{ entries: Array<{ actor: string; action: string }> }>('GET', '/api/audit?limit=5')).body.entries;
    expect(audit).toContainEqual(expect.objectContaining({ actor: 'hub', action: 'approval.timeout' }));
  });

  it('the hub SIGKILLed while an agent waits: after the restart the CLI lists it, answers it, and the answer reaches the agent', async () => {
    const data = tempDir('pia-approval-kill-');
    cleanups.push(data.cleanup);
    const probe = await startTestHub();
    const port = probe.port;
    await probe.stop();
    const env = { PIA_DATA_DIR: path.join(data.dir, 'hub'), PIA_PORT: String(port), PIA_ADMIN_TOKEN: ADMIN_TOKEN, PIA_LOCAL_WORKER: '0', PIA_LOG_FORMAT: 'json', PIA_HEARTBEAT_S: '1', PIA_OFFLINE_AFTER_S: '3' };
    const base = `http://127.0.0.1:${port}`;
    const cli = { PIA_URL: base, PIA_ADMIN_TOKEN: ADMIN_TOKEN };
    let hub = spawnPia(['hub'], env);
    cleanups.push(() => hub.kill('SIGKILL'));
    await until(async () => (await fetch(`${base}/api/health`).catch(() => undefined))?.ok, 15_000);

    const { joinToken } = await api<{ joinToken: string }>(base, 'POST', '/api/machines', { name: 'local' });
    const worker = testWorker({ hub: `ws://127.0.0.1:${port}/link`, join: joinToken, env: { ...fakeAgentEnv(), PIA_AGENT: 'claude' } });
    cleanups.push(() => worker.stop());
    void worker.run();
    await until(() => worker.link.linked, 10_000);

    const { task } = await api<{ task: { id: string } }>(base, 'POST', '/api/tasks', { kind: 'run', machine: 'local', prompt: 'ask=1 lines=0' });
    const pending = await until(async () => (await api<{ approvals: ApprovalView[] }>(base, 'GET', `/api/approvals?task=${task.id}`)).approvals[0], 10_000);
    hub.kill('SIGKILL');
    await exited(hub);
    hub = spawnPia(['hub'], env);
    await until(async () => (await fetch(`${base}/api/health`).catch(() => undefined))?.ok, 15_000);
    await until(() => worker.link.linked, 15_000);

    const listed = await pia(['approvals'], cli);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^CODE +MACHINE +TASK +STATE +ASKED +BY +WHAT\\n${pending.id} +local +${task.id} +pending +.+ +- +Bash: touch file-1\\.txt\\n`));
    const approved = await pia(['approve', pending.id, 'task'], cli);
    expect(approved.stdout).toMatch(new RegExp(`^✅ Bash \`touch file-1\\.txt\` \\(${pending.id}\\) allowed for this task by admin-token at \\d\\d:\\d\\d:\\d\\d UTC\\n$`));
    const done = await until(async () => {
      const t = (await api<{ task: { state: string } }>(base, 'GET', `/api/tasks/${task.id}`)).task;
      return ['succeeded', 'failed', 'lost'].includes(t.state) ? t : undefined;
    }, 15_000);
    expect(done.state).toBe('succeeded');
    const output = await api<{ chunks: Array<{ stream: string; data: string }> }>(base, 'GET', `/api/tasks/${task.id}/output`);
    expect(output.chunks.filter((c) => c.stream === 'stdout').map((c) => c.data).join('')).toContain('allowed 1 rules=addRules:session\n');
    // Answered once; a second answer is refused, by the CLI too, with the hub's words and a failing exit.
    const again = await pia(['deny', pending.id, 'too', 'late'], cli);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(new RegExp(`^pia: Approval ${pending.id} was already allowed by admin-token at .+; nothing changed\\.\\n$`));
    const unknown = await pia(['approve', 'nosuch'], cli);
    expect(unknown.stderr).toBe('pia: No approval "nosuch". List the ones waiting with: pia approvals\n');
  }, 60_000);

  it('pia run --follow shows what the agent waits for and how to answer it', async () => {
    const f = await startFleet({ workerEnv: { PIA_AGENT: 'claude' } });
    cleanups.push(() => f.stop());
    const cli = { PIA_URL: f.t.httpUrl, PIA_ADMIN_TOKEN: ADMIN_TOKEN };
    const follow = spawnPia(['run', 'local', 'ask=1', 'lines=0', '--follow'], cli);
    cleanups.push(() => follow.kill('SIGKILL'));
    const a = await until(async () => (await f.t.api<{ approvals: ApprovalView[] }>('GET', '/api/approvals')).body.approvals[0], 10_000);
    await until(() => follow.output().includes('Waiting for you'), 10_000);
    expect((await pia(['deny', a.id, 'not', 'now'], cli)).code).toBe(0);
    const code = await exited(follow);
    const out = { code, stdout: follow.output() };
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`✋ Waiting for you (${a.id}): the agent on local wants to use Bash: touch file-1.txt\n    (step 1)\n  Answer: pia approve ${a.id} [task|always] · pia deny ${a.id} [reason]\n`);
    expect(out.stdout).toContain('denied 1: Denied by admin-token: not now\n');
    expect(out.stdout).toContain('✋ The agent was refused 1 tool use: Bash: touch file-1.txt');
  });
});
