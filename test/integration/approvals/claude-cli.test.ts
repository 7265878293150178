import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalView } from '../../../src/protocol/api.js';
import { claudeEnv, haveClaude } from '../../helpers/claude-cli.js';
import { resultText, startFakeModel, toolResults, type FakeModel, type ModelRequest } from '../../helpers/fake-model.js';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';
import { tempDir } from '../../helpers/tmp.js';
import { until } from '../../helpers/wait.js';

// The real Claude Code CLI (the pinned dev dependency), run by a real worker with the built-in `claude` agent,
// against a scripted model on loopback: the control protocol, resume and interrupt are Claude's own.
const enabled = haveClaude();
const dir = tempDir('pia-claude-');
let model: FakeModel;
let f: TestFleet;

/** The text of the newest user message that is not a tool result: this turn's prompt. */
function promptOf(body: ModelRequest['body']): string {
  for (const m of [...(body.messages ?? [])].reverse()) {
    if (m.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    const blocks = m.content as Array<{ type: string; text?: string }>;
    if (blocks.some((b) => b.type === 'tool_result')) continue;
    return blocks.map((b) => b.text ?? '').join('\n');
  }
  return '';
}

/** The model: "create x.txt" asks for Bash `touch x.txt`, "ask me" asks a question, "plan it" leaves plan mode. */
function script(body: ModelRequest['body'], n: number) {
  const results = toolResults(body);
  if (results.length) return { blocks: [{ type: 'text' as const, text: `Saw: ${resultText(results[0]!.content).slice(0, 300)}` }] };
  const prompt = promptOf(body);
  const file = /create (\w+\.txt)/.exec(prompt)?.[1];
  if (file) return { blocks: [{ type: 'tool_use' as const, id: `toolu_${n}`, name: 'Bash', input: { command: `touch ${file}`, description: `Create ${file}` } }] };
  if (prompt.includes('ask me')) {
    const questions = [{ question: 'Which database?', header: 'Database', options: [{ label: 'SQLite', description: 'A file' }, { label: 'Postgres', description: 'A server' }], multiSelect: false }];
    return { blocks: [{ type: 'tool_use' as const, id: `toolu_${n}`, name: 'AskUserQuestion', input: { questions } }] };
  }
  if (prompt.includes('plan it')) return { blocks: [{ type: 'tool_use' as const, id: `toolu_${n}`, name: 'ExitPlanMode', input: { plan: '# Plan\n1. touch hello.txt' } }] };
  const said = (body.messages ?? []).filter((m) => m.role === 'user' && JSON.stringify(m.content).includes('create a.txt')).length;
  return { blocks: [{ type: 'text' as const, text: `I remember ${said} earlier request(s) to create a.txt.` }] };
}

beforeAll(async () => {
  if (!enabled) return;
  model = await startFakeModel(script);
  f = await startFleet({
    workerEnv: {
      ...claudeEnv(model.url, dir.dir),
      // Only the built-in agents (the real CLI as `claude`), plus Claude with the prompt in argv and no way to ask.
      PIA_AGENTS: JSON.stringify({ 'claude-plain': { command: ['claude', '-p', '--output-format', 'stream-json', '--verbose', '--', '{prompt}'] } }),
      PIA_AGENT: 'claude',
      PIA_CANCEL_GRACE_S: '30',
      // At the lowest priority a 370 MB CLI starting up on two busy shared cores can wait for seconds.
      PIA_AGENT_NICE: '0',
    },
  });
}, 30_000);
afterAll(async () => {
  await f?.stop();
  await model?.close();
  dir.cleanup();
});

const waiting = (taskId: string) => until(async () => (await f.t.api<{ approvals: ApprovalView[] }>('GET', `/api/approvals?task=${taskId}`)).body.approvals[0], 15_000);
const answer = (id: string, body: object) => f.t.api('POST', `/api/approvals/${id}`, body);
const run = async (prompt: string, extra: object = {}) => (await f.create({ kind: 'run', machine: 'local', prompt, ...extra }))[0]!;
/** What the model was told about the tool use of its last request that carried results. */
const lastToolResult = () => {
  const req = [...model.requests].reverse().find((r) => toolResults(r.body).length);
  const r = toolResults(req!.body)[0]!;
  return { text: resultText(r.content), isError: r.is_error === true };
};

describe.runIf(enabled)('the real Claude Code CLI, driven by a worker over its control protocol', () => {
  it('asks before a command that writes; allowed once, the command runs; a follow-up resumes the same session', async () => {
    const task = await run('please create a.txt');
    const a = await waiting(task.id);
    expect(a).toMatchObject({ kind: 'tool', tool: 'Bash', summary: 'touch a.txt', detail: '(Create a.txt)', canAlways: true, state: 'pending' });
    expect((await answer(a.id, { decision: 'allow' })).status).toBe(200);
    const done = await f.finished(task.id, 20_000);
    expect(done).toMatchObject({ state: 'succeeded', summary: 'Saw: (Bash completed with no output)' });
    expect(existsSync(path.join(f.worker.workspace, 'a.txt'))).toBe(true);
    expect(lastToolResult()).toEqual({ text: '(Bash completed with no output)', isError: false });

    const next = await run('what did you do before?', { continueTask: task.id });
    const again = await f.finished(next.id, 20_000);
    expect(again).toMatchObject({ state: 'succeeded', sessionId: done.sessionId, summary: 'I remember 1 earlier request(s) to create a.txt.' });
  });

  it('denied with a reason: nothing runs, the model reads the reason, the final message says the agent was refused', async () => {
    const task = await run('please create b.txt');
    const a = await waiting(task.id);
    await answer(a.id, { decision: 'deny', reason: 'not in this folder' });
    const done = await f.finished(task.id, 20_000);
    expect(existsSync(path.join(f.worker.workspace, 'b.txt'))).toBe(false);
    expect(lastToolResult()).toEqual({ text: 'Denied by admin-token: not in this folder', isError: true });
    expect(done.state).toBe('succeeded');
    expect(done.summary).toBe('Saw: Denied by admin-token: not in this folder\n✋ The agent was refused 1 tool use: Bash: touch b.txt');
  });

  it('cancelled while it waits: interrupted over the protocol (no signal), the approval withdrawn', async () => {
    const task = await run('please create c.txt');
    const a = await waiting(task.id);
    const t0 = Date.now();
    await f.t.api('POST', `/api/tasks/${task.id}/cancel`);
    const done = await f.finished(task.id, 20_000);
    expect(Date.now() - t0).toBeLessThan(10_000); // the grace before signals is 30 s
    expect(done.state).toBe('cancelled');
    const after = (await f.t.api<{ approval: ApprovalView }>('GET', `/api/approvals/${a.id}`)).body.approval;
    expect(after.state).toBe('withdrawn');
    expect(existsSync(path.join(f.worker.workspace, 'c.txt'))).toBe(false);
  });

  it('a question becomes choices; the answer goes back as the tool input and the model reads it', async () => {
    const task = await run('ask me something');
    const a = await waiting(task.id);
    expect(a).toMatchObject({ kind: 'question', tool: 'AskUserQuestion', summary: 'Which database?' });
    expect(a.questions?.[0]?.options.map((o) => o.label)).toEqual(['SQLite', 'Postgres']);
    expect((await answer(a.id, { decision: 'answer', answer: '2' })).status).toBe(200);
    await f.finished(task.id, 20_000);
    expect(lastToolResult().text).toBe('Your questions have been answered: "Which database?"="Postgres". You can now continue with these answers in mind.');
  });

  it('plan mode: leaving it is an approval, and an approved plan lets the agent start', async () => {
    const task = await run('plan it first', { mode: 'plan' });
    const a = await waiting(task.id);
    expect(a).toMatchObject({ kind: 'plan', tool: 'ExitPlanMode' });
    await answer(a.id, { decision: 'allow' });
    await f.finished(task.id, 20_000);
    expect(lastToolResult()).toEqual({ text: expect.stringMatching(/^User has approved/), isError: false });
  });

  it('"always on this machine" keeps the agent\'s own rule: a later task runs the same command without asking', async () => {
    const first = await run('please create d.txt');
    const a = await waiting(first.id);
    await answer(a.id, { decision: 'allow', scope: 'always' });
    expect((await f.finished(first.id, 20_000)).state).toBe('succeeded');
    expect(JSON.parse(readFileSync(path.join(dir.dir, 'claude-config', 'settings.json'), 'utf8'))).toMatchObject({ permissions: { allow: ['Bash(touch d.txt)'] } });
    const second = await run('please create d.txt');
    expect(await f.finished(second.id, 20_000)).toMatchObject({ state: 'succeeded', summary: 'Saw: (Bash completed with no output)' });
    expect((await f.t.api<{ approvals: ApprovalView[] }>('GET', `/api/approvals?task=${second.id}&state=all`)).body.approvals).toEqual([]);
  });

  it('without the protocol (prompt in argv), a refused tool is never silent: a visible line, and the final message says so', async () => {
    const task = await run('please create e.txt', { agent: 'claude-plain' });
    const done = await f.finished(task.id, 20_000);
    const out = await f.outputText(task.id, ['stdout']);
    expect(out).toMatch(/✋ Bash: touch e\.txt refused: touch in '.*e\.txt' needs approval/);
    expect(done.summary).toMatch(/\n✋ The agent was refused 1 tool use: Bash: touch e\.txt$/);
  });
});
