import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalView } from '../../../src/protocol/api.js';
import { testChat, type SeenMessage, type TestChat } from '../../helpers/chat.js';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';
import { nextEvent, until } from '../../helpers/wait.js';

// A real hub and worker; the agent is the stand-in speaking Claude Code's control protocol (the real CLI's own tests
// are in claude-cli.test.ts). Slack's side is a recording chat port talking to the real chat core.
let f: TestFleet;
let chat: TestChat;
const OP = 'slack:UOPERATOR';
const ADMIN = 'slack:UADMIN';
const VIEWER = 'slack:UVIEWER';

beforeAll(async () => {
  f = await startFleet({
    hubEnv: { PIA_OPERATORS: OP, PIA_ADMINS: ADMIN, PIA_VIEWERS: VIEWER },
    workerEnv: { PIA_AGENT: 'claude', PIA_CANCEL_GRACE_S: '30' },
  });
  chat = testChat(f.t.pia.chat, 'slack');
});
afterAll(async () => {
  await f.stop();
});

const approvalsOf = async (taskId: string, state = 'all') => (await f.t.api<{ approvals: ApprovalView[] }>('GET', `/api/approvals?task=${taskId}&state=${state}`)).body.approvals;
const waitingOf = (taskId: string) => until(async () => (await approvalsOf(taskId, 'pending'))[0], 10_000);
const messageWith = (text: string, from = 0) => until(() => chat.messages.slice(from).find((m) => m.text.includes(text)), 10_000);
const answer = (id: string, body: object) => f.t.api<{ approval?: ApprovalView; error?: { code: string; message: string } }>('POST', `/api/approvals/${id}`, body);

/** Starts a task from the chat as `who`; resolves with its id and where its thread is. */
async function runFromChat(who: string, text: string): Promise<{ taskId: string; thread: string; from: number }> {
  const from = chat.messages.length;
  const started = await chat.say(who, text);
  const taskId = /task (\w+)/.exec(started.text)?.[1];
  if (!taskId) throw new Error(`no task started: ${started.text}`);
  return { taskId, thread: started.thread, from };
}

describe('approvals from chat', () => {
  it('a tool use waits for a person: the thread shows it with buttons, the status says so, Allow once lets the agent go on', async () => {
    const { taskId, thread, from } = await runFromChat(OP, 'run local ask=1 lines=0');
    const asked = await messageWith('Approval needed', from);
    expect(asked.thread).toBe(thread);
    expect(asked.text).toMatch(/✋ \*\*Approval needed\*\* \((\w{6})\): the agent on local wants to use \*\*Bash\*\*\n`touch file-1\.txt`\nOr: approve \1 \[task\|always\] \/ deny \1 \[reason\] \(10 min to answer, then it is denied\)/);
    expect(asked.buttons.map((b) => b.label)).toEqual(['Allow once', 'Allow for this task', 'Always on this machine', 'Deny']);
    // The person who asked is pinged, once; nothing else pings.
    expect(asked.mention).toBe(OP);
    expect(chat.messages.slice(from).filter((m) => m.mention)).toHaveLength(1);
    const status = await until(() => chat.messages.slice(from).find((m) => m.text.includes(`(${taskId}): running`) && m.text.includes('waiting for approval (1)')), 10_000);
    expect(status.buttons.map((b) => b.label)).toEqual(['Cancel']);

    await f.t.pia.chat.press({ actor: OP, actionId: 'approve_once', value: asked.buttons[0]!.value, where: { channel: 'C1', thread } }, chat.port);
    const done = await f.finished(taskId);
    expect(done.state).toBe('succeeded');
    expect(await f.outputText(taskId, ['stdout'])).toContain('allowed 1\n');
    // The same message now says who decided and when, without buttons; the status no longer waits.
    expect(asked.text).toMatch(/^✅ Bash `touch file-1\.txt` \(\w{6}\) allowed once by slack:UOPERATOR at \d\d:\d\d:\d\d UTC$/);
    expect(asked.buttons).toEqual([]);
    await until(() => !status.text.includes('waiting for approval'), 5000);
    const audit = (await f.t.api<{ entries: Array<{ actor: string; action: string; target: string; detail: string }> }>('GET', '/api/audit?limit=20')).body.entries;
    expect(audit).toContainEqual(expect.objectContaining({ actor: OP, action: 'approval.allow', target: expect.stringContaining(`local/${taskId}/`), detail: 'Bash touch file-1.txt (once)' }));
  });

  it('first answer wins: two answers racing, exactly one settles it and the agent hears one', async () => {
    const [task] = await f.create({ kind: 'run', machine: 'local', prompt: 'ask=1 lines=0', agent: 'claude' });
    const a = await waitingOf(task!.id);
    const settled = nextEvent(f.t.pia.events, 'approval.settled', (e) => e.approval.id === a.id);
    const [one, two] = await Promise.all([answer(a.id, { decision: 'allow' }), answer(a.id, { decision: 'deny', reason: 'no' })]);
    expect([one.status, two.status].sort()).toEqual([200, 409]);
    const loser = one.status === 409 ? one : two;
    expect(loser.body.error).toMatchObject({ code: 'approval_settled', message: expect.stringMatching(new RegExp(`^Approval ${a.id} was already (allowed|denied) by admin-token at .+; nothing changed\\.$`)) });
    const winner = (await settled).approval;
    await f.finished(task!.id);
    const out = await f.outputText(task!.id, ['stdout']);
    expect(out.match(/(allowed|denied) 1/g)).toEqual([winner.state === 'allowed' ? 'allowed 1' : 'denied 1']);
    expect(out).not.toContain('unexpected answer');
    expect((await approvalsOf(task!.id))[0]!.appliedAt).not.toBeNull();
  });

  it('who may answer: no role and viewers are refused and audited; "always" is for admins, and keeps a rule on the machine', async () => {
    const { taskId, thread, from } = await runFromChat(OP, 'run local ask=1 lines=0');
    const asked = await messageWith('Approval needed', from);
    const code = asked.buttons[0]!.value;
    const press = (actor: string, actionId: 'approve_once' | 'approve_always') => f.t.pia.chat.press({ actor, actionId, value: code, where: { channel: 'C1', thread } }, chat.port);
    let before = chat.messages.length;
    await press('slack:USTRANGER', 'approve_once');
    expect((await messageWith('have no role', before)).text).toBe('⛔ You (slack:USTRANGER) have no role in this PIA. An admin can add you: pia users add slack:USTRANGER operator');
    before = chat.messages.length;
    await press(VIEWER, 'approve_once');
    expect((await messageWith('needs the operator role', before)).text).toBe('⛔ `approve` needs the operator role; you are viewer.');
    before = chat.messages.length;
    await press(OP, 'approve_always');
    expect((await messageWith('Only an admin', before)).text).toBe('⛔ Only an admin may allow something always on a machine; you are operator.');
    expect((await approvalsOf(taskId))[0]!.state).toBe('pending');
    const audit = (await f.t.api<{ entries: Array<{ actor: string; action: string; outcome: string }> }>('GET', '/api/audit?limit=10')).body.entries;
    expect(audit.filter((e) => e.outcome === 'refused').map((e) => `${e.actor} ${e.action}`)).toEqual(
      expect.arrayContaining(['slack:USTRANGER command.approve', `${VIEWER} command.approve`, `${OP} approval.allow`]),
    );
    await press(ADMIN, 'approve_always');
    await f.finished(taskId);
    // The agent's own suggested rule, kept in the user's settings on that machine.
    expect(await f.outputText(taskId, ['stdout'])).toContain('allowed 1 rules=addRules:userSettings\n');
    expect(asked.text).toContain('allowed always on local by slack:UADMIN');
  });

  it('"for this task" keeps the rule for the session; deny tells the agent why', async () => {
    const [task] = await f.create({ kind: 'run', machine: 'local', prompt: 'ask=2 lines=0', agent: 'claude' });
    const first = await waitingOf(task!.id);
    expect((await answer(first.id, { decision: 'allow', scope: 'task' })).status).toBe(200);
    const second = await until(async () => (await approvalsOf(task!.id, 'pending')).find((a) => a.id !== first.id), 10_000);
    expect((await answer(second.id, { decision: 'deny', reason: 'not that file' })).status).toBe(200);
    const done = await f.finished(task!.id);
    const out = await f.outputText(task!.id, ['stdout']);
    expect(out).toContain('allowed 1 rules=addRules:session\n');
    expect(out).toContain('denied 2: Denied by admin-token: not that file\n');
    // A person's denial is shown on the approval, not a second time as a refusal line; the final message counts it.
    expect(out).not.toContain('✋ Bash: touch file-2.txt refused');
    expect(done.summary).toBe('All done: fixed the flaky test.\n✋ The agent was refused 1 tool use: Bash: touch file-2.txt');
  });

  it('questions become buttons and plans Approve / Keep planning; the answers reach the agent', async () => {
    const { taskId, thread, from } = await runFromChat(OP, 'run local question plan lines=0');
    const q = await messageWith('asks', from);
    expect(q.text).toMatch(/^❓ \*\*The agent on local asks\*\* \((\w{6})\):\nWhich database should we use\?\n {3}1\. SQLite: A file on disk\n {3}2\. Postgres: A server\nAnswer with the buttons or: answer \1 <number or your words>/);
    expect(q.buttons.map((b) => b.label)).toEqual(['SQLite', 'Postgres', 'Skip']);
    await f.t.pia.chat.press({ actor: OP, ...pick(q, 'Postgres'), where: { channel: 'C1', thread } }, chat.port);
    const plan = await messageWith('Plan from the agent', from);
    expect(plan.code).toBe('# Plan\n1. touch hello.txt\n2. report back\n');
    expect(plan.buttons.map((b) => b.label)).toEqual(['Approve plan', 'Keep planning']);
    await f.t.pia.chat.press({ actor: OP, ...pick(plan, 'Keep planning'), where: { channel: 'C1', thread } }, chat.port);
    await f.finished(taskId);
    const out = await f.outputText(taskId, ['stdout']);
    expect(out).toContain('answers: {"Which database should we use?":"Postgres"}\n');
    expect(out).toContain('keep planning: Denied by slack:UOPERATOR: Keep planning: the plan is not approved yet.\n');
    expect(q.text).toMatch(/^✅ question `Which database should we use\?` \(\w{6}\) answered by slack:UOPERATOR at .+: `Postgres`$/);
    expect(plan.text).toMatch(/^✋ plan `Plan` \(\w{6}\) sent back to planning by slack:UOPERATOR at .+: Keep planning/);
  });

  it('hostile tool input is shown inert: a megabyte command with escapes, mention syntax and bidi overrides', async () => {
    const { taskId, from } = await runFromChat(OP, 'run local hostile lines=0');
    const asked = await messageWith('Approval needed', from);
    const a = (await approvalsOf(taskId))[0]!;
    expect(a.summary.length).toBeLessThan(400);
    expect(a.summary).toMatch(/^echo ␛\[2J␍<!channel> @everyone <@123456789> `id` <U\+202E>evil x+… \(\d+ more characters\)$/);
    expect(asked.text).toContain('`echo ␛[2J␍<!channel> @everyone <@123456789> ˋidˋ <U+202E>evil');
    expect([...asked.text].filter((c) => c < ' ' && c !== '\n')).toEqual([]);
    expect(asked.text).not.toContain('\u202e');
    expect(asked.mention).toBe(OP); // the one ping is PIA's, to the person who asked
    await answer(a.id, { decision: 'deny' });
    expect((await f.finished(taskId)).state).toBe('succeeded');
  });

  it('bad input is refused clearly and changes nothing', async () => {
    const unknown = await answer('zzzzzz', { decision: 'allow' });
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'approval_unknown', message: 'No approval "zzzzzz". List the ones waiting with: pia approvals' } } });
    const bad = await answer('zzzzzz', { decision: 'maybe' });
    expect(bad.status).toBe(400);
    const [task] = await f.create({ kind: 'run', machine: 'local', prompt: 'ask=1 lines=0', agent: 'claude' });
    const a = await waitingOf(task!.id);
    expect((await answer(a.id, { decision: 'answer', answer: '1' })).body.error?.message).toBe(`Approval ${a.id} asks no question: approve ${a.id} or deny ${a.id}.`);
    // Forged buttons: a value PIA never made; a choice for an approval that asks no question.
    let before = chat.messages.length;
    await f.t.pia.chat.press({ actor: OP, actionId: 'approve_once', value: "x'; DROP TABLE approvals;--", where: { channel: 'C1', thread: 't1' } }, chat.port);
    expect((await messageWith('not one PIA made', before)).text).toBe('⛔ That button is not one PIA made; nothing was done.');
    before = chat.messages.length;
    await f.t.pia.chat.press({ actor: OP, actionId: 'answer_choice', value: `${a.id}:9`, where: { channel: 'C1', thread: 't1' } }, chat.port);
    expect((await messageWith('asks no question', before)).text).toBe(`⚠️ Approval ${a.id} asks no question: approve ${a.id} or deny ${a.id}.`);
    expect((await approvalsOf(task!.id))[0]!.state).toBe('pending');
    await answer(a.id, { decision: 'deny' });
    const late = await answer(a.id, { decision: 'allow' });
    expect(late).toMatchObject({ status: 409, body: { error: { code: 'approval_settled' } } });
    before = chat.messages.length;
    await f.t.pia.chat.press({ actor: OP, actionId: 'approve_once', value: a.id, where: { channel: 'C1', thread: 't1' } }, chat.port);
    expect((await messageWith('already denied', before)).text).toMatch(new RegExp(`^⚠️ Approval ${a.id} was already denied by admin-token at .+; nothing changed\\.$`));
    await f.finished(task!.id);
    expect((await approvalsOf(task!.id))[0]).toMatchObject({ state: 'denied', decidedBy: 'admin-token' });
  });

  it('cancel while an approval waits: the agent is interrupted (no signal needed), the approval withdrawn, its copy says so', async () => {
    const { taskId, from } = await runFromChat(OP, 'run local ask=1 lines=0');
    const asked = await messageWith('Approval needed', from);
    const t0 = Date.now();
    await f.t.api('POST', `/api/tasks/${taskId}/cancel`);
    const done = await f.finished(taskId);
    // PIA_CANCEL_GRACE_S is 30 here: ending this soon means the interrupt did it, not SIGTERM after the grace.
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(done).toMatchObject({ state: 'cancelled', cancelledBy: 'admin-token' });
    expect((await approvalsOf(taskId))[0]).toMatchObject({ state: 'withdrawn' });
    await until(() => asked.text.includes('no longer needed'), 5000);
    expect(asked.buttons).toEqual([]);
  });

  it('refusals without anyone asked are never silent: a line in the thread and the final message says so', async () => {
    const { taskId, from } = await runFromChat(OP, 'run local refused lines=0');
    const done = await f.finished(taskId);
    expect(done.state).toBe('succeeded');
    expect(await f.outputText(taskId, ['stdout'])).toContain("✋ Bash: touch hello.txt refused: touch in '/w/hello.txt' needs approval.\n");
    const final = await messageWith('✅ local: succeeded', from);
    expect(final.text).toContain('✋ The agent was refused 1 tool use: Bash: touch hello.txt');
  });

  it('the approvals command lists what waits', async () => {
    const [task] = await f.create({ kind: 'run', machine: 'local', prompt: 'ask=1 lines=0', agent: 'claude' });
    const a = await waitingOf(task!.id);
    const reply = await chat.say(VIEWER, 'approvals');
    expect(reply.text).toBe('1 waiting for an answer (approve <code> / deny <code> / answer <code> <choice>):');
    expect(reply.code).toMatch(new RegExp(`^${a.id}  local/${task!.id}  Bash: touch file-1\\.txt  \\(\\d+ min left\\)$`));
    const by = await chat.say(OP, `approve ${a.id}`);
    expect(by.text).toMatch(new RegExp(`^✅ Bash \`touch file-1\\.txt\` \\(${a.id}\\) allowed once by ${OP} at`));
    await f.finished(task!.id);
  });
});

describe('modes', () => {
  it('run --mode reaches the agent; full is for admins and only where the machine allows it; a machine has a default', async () => {
    const modeOf = async (taskId: string) => /permission-mode: (\w+)/.exec(await f.outputText(taskId, ['stdout']))?.[1];
    const plan = await chat.say(OP, 'run local --mode plan lines=0');
    const planId = /task (\w+)/.exec(plan.text)![1]!;
    await f.finished(planId);
    expect(await modeOf(planId)).toBe('plan');
    expect((await f.t.task(planId))?.mode).toBe('plan');

    expect((await chat.say(OP, 'run local --mode full lines=0')).text).toBe('⛔ Only an admin may run tasks in full mode (local); you are operator.');
    expect((await chat.say(ADMIN, 'run local --mode full lines=0')).text).toBe(
      '⚠️ local does not allow full mode (where the agent never asks). An admin can allow it with: pia machines set local --allow-full',
    );
    await f.t.api('PATCH', '/api/machines/local', { capabilities: { allowFull: true, defaultMode: 'edits' } });
    const full = await chat.say(ADMIN, 'run local --mode full lines=0');
    const fullId = /task (\w+)/.exec(full.text)![1]!;
    await f.finished(fullId);
    expect(await modeOf(fullId)).toBe('bypassPermissions');
    const byDefault = await chat.say(OP, 'run local lines=0');
    const defaultId = /task (\w+)/.exec(byDefault.text)![1]!;
    await f.finished(defaultId);
    expect(await modeOf(defaultId)).toBe('acceptEdits');
    await f.t.api('PATCH', '/api/machines/local', { capabilities: { allowFull: null, defaultMode: null } });
  });
});

function pick(m: SeenMessage, label: string) {
  const b = m.buttons.find((x) => x.label === label);
  if (!b) throw new Error(`no button ${label} under ${m.text}`);
  return { actionId: b.actionId, value: b.value };
}
