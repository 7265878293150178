import path from 'node:path';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../../src/protocol/tasks.js';
import { agentStandIns } from '../../helpers/agent-stand-ins.js';
import { testChat, type TestChat } from '../../helpers/chat.js';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';
import { until } from '../../helpers/wait.js';

// A real hub and worker; the agents are stand-ins named like the real CLIs, first on the worker's PATH, so the
// built-in adapters run them exactly as they would run the real ones.
const bin = agentStandIns();
let f: TestFleet;
let chat: TestChat;
const OP = 'slack:UOPERATOR';
const progress = new Map<string, ProgressEvent[]>();

beforeAll(async () => {
  f = await startFleet({ hubEnv: { PIA_OPERATORS: OP }, workerEnv: { PATH: `${bin.dir}${path.delimiter}${process.env.PATH ?? ''}` } });
  f.t.pia.events.on('task.progress', (e) => progress.set(e.taskId, [...(progress.get(e.taskId) ?? []), e.event]));
  chat = testChat(f.t.pia.chat, 'slack');
});
afterAll(async () => {
  await f?.stop();
  bin.cleanup();
});

const stderrOf = async (id: string) => f.outputText(id, ['stderr']);
const argvOf = async (id: string): Promise<string[]> => JSON.parse(/argv: (.*)\n/.exec(await stderrOf(id))![1]!) as string[];
const kinds = (id: string) => (progress.get(id) ?? []).map((e) => e.kind);

/** What each stand-in's run transcript starts as its session. */
const sessions: Record<string, string> = {
  codex: '019a3c55-7d1e-7b52-9c8e-3f1f0e6a2b41',
  gemini: '3f6c2a1e-8d4b-4f0a-9b7e-2c5d1e9a7f30',
  opencode: 'ses_4a8e21c7bffeQ2mZk9LrT0vWxy',
  cursor: 'c6b62c6f-7ead-4fd6-9922-e952131177ff',
};

describe('every agent through a real worker and hub', () => {
  it('the worker reports the agents it found with their versions, and which can ask', async () => {
    const { body } = await f.t.api<{ machine: { facts: { agents: Array<{ name: string; version?: string; approvals?: boolean }> } } }>('GET', '/api/machines/local');
    const agents = Object.fromEntries(body.machine.facts.agents.map((a) => [a.name, a]));
    expect(agents.codex).toMatchObject({ version: '0.150.1', approvals: false });
    expect(agents.gemini).toMatchObject({ version: '0.56.0' });
    expect(agents.cursor).toMatchObject({ version: '2026.02.13-41ac335', path: expect.stringMatching(/cursor-agent$/) });
    expect(agents.aider).toMatchObject({ version: '0.86.1' });
    expect(agents.claude).toMatchObject({ approvals: true });
  });

  for (const agent of ['codex', 'gemini', 'opencode', 'cursor', 'aider']) {
    it(`${agent}: a run becomes events and a readable log, and a follow-up continues its session with its resume argv`, async () => {
      const [task] = await f.create({ kind: 'run', machine: 'local', agent, mode: 'edits', prompt: 'Add a --verbose flag to cli.py and run the tests' });
      const done = await f.finished(task!.id);
      expect(done).toMatchObject({ state: 'succeeded', agent });
      if (sessions[agent]) expect(done.sessionId).toBe(sessions[agent]);
      const log = await f.outputText(task!.id, ['stdout']);
      // Rendered from the events, never the raw format.
      expect(log).not.toContain('{"type"');
      expect(log).toMatch(/▸ \w+/);
      expect(log).toMatch(/^✓ /m);
      expect(done.summary).toBeTruthy();
      await until(() => kinds(task!.id).includes('result'), 5000);
      expect(kinds(task!.id)).toEqual(expect.arrayContaining(['session', 'tool', 'result']));
      if (agent !== 'cursor') expect(kinds(task!.id)).toContain('usage');

      const [next] = await f.create({ kind: 'run', machine: 'local', prompt: 'Update the help-text snapshot and re-run the tests', continueTask: task!.id });
      const again = await f.finished(next!.id);
      expect(again).toMatchObject({ state: 'succeeded', agent, sessionId: done.sessionId });
      const argv = await argvOf(next!.id);
      if (agent === 'codex') expect(argv).toEqual(['exec', '--json', '--sandbox', 'workspace-write', '--skip-git-repo-check', 'resume', sessions.codex, '--', 'Update the help-text snapshot and re-run the tests']);
      if (agent === 'gemini') expect(argv).toContain(`--resume=${sessions.gemini}`);
      if (agent === 'opencode') expect(argv).toContain(`--session=${sessions.opencode}`);
      if (agent === 'cursor') expect(argv).toContain(`--resume=${sessions.cursor}`);
      if (agent === 'aider') {
        expect(argv).toContain('--restore-chat-history');
        expect(argv).toContain(`--chat-history-file=.aider.pia-${task!.id}.chat.history.md`);
        expect(existsSync(path.join(f.worker.workspace, `.aider.pia-${task!.id}.chat.history.md`))).toBe(true);
      }
    });
  }

  it('an agent that reports an error fails the task with its reason, also when it exits 0 (Aider) or prints no result (Cursor)', async () => {
    for (const [agent, reason] of [
      ['codex', '401 Unauthorized'],
      ['gemini', 'exhausted your capacity'],
      ['opencode', 'invalid x-api-key'],
      ['cursor', 'Cursor ended without a result.'],
      ['aider', 'not able to authenticate you'],
    ] as const) {
      const [task] = await f.create({ kind: 'run', machine: 'local', agent, mode: 'edits', prompt: 'please fail' });
      const done = await f.finished(task!.id);
      expect(done.state, agent).toBe('failed');
      expect(done.summary, agent).toContain(reason);
    }
    const [cursor] = await f.create({ kind: 'run', machine: 'local', agent: 'cursor', mode: 'edits', prompt: 'please fail' });
    await f.finished(cursor!.id);
    expect(await stderrOf(cursor!.id)).toContain("Please run 'agent login' first");
  });

  it('text and truncated JSON from an agent are shown as text, and the run goes on', async () => {
    const [task] = await f.create({ kind: 'run', machine: 'local', agent: 'codex', mode: 'edits', prompt: 'garbage then work' });
    const done = await f.finished(task!.id);
    expect(done.state).toBe('succeeded');
    const log = await f.outputText(task!.id, ['stdout']);
    expect(log).toContain('Warning: this is not JSON at all\n{"type":"item.completed","item":{"id":"item_9","type":"agent_mess\n');
  });

  it('ask mode is refused on an agent that cannot ask, naming the ones that can', async () => {
    const res = await f.t.api<{ error: { code: string; message: string } }>('POST', '/api/tasks', { kind: 'run', machine: 'local', agent: 'codex', prompt: 'add a test' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'agent_cannot_ask' });
    expect(res.body.error.message).toBe(
      'OpenAI Codex (codex) cannot ask for approval, so it cannot run a task in ask mode. Agents that can on local: claude. Or choose what it may do without asking: --mode plan, --mode edits or --mode full.',
    );
  });

  it('an unknown agent name gets a guess and the list of what is installed', async () => {
    const res = await f.t.api<{ error: { code: string; message: string } }>('POST', '/api/tasks', { kind: 'run', machine: 'local', agent: 'codx', mode: 'edits', prompt: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('agent_unknown');
    expect(res.body.error.message).toMatch(/^No agent named "codx" on local\. Did you mean codex\? Installed there: claude, codex 0\.150\.1, gemini 0\.56\.0, opencode 1\.18\.2, cursor 2026\.02\.13-41ac335, aider 0\.86\.1, fake \(default\), claude-argv\.$/);
  });

  it("a machine's default agent is used for tasks that name none", async () => {
    const set = await f.t.api('PATCH', '/api/machines/local', { capabilities: { defaultAgent: 'gemini', defaultMode: 'edits' } });
    expect(set.status).toBe(200);
    try {
      const [task] = await f.create({ kind: 'run', machine: 'local', prompt: 'Add a --verbose flag' });
      expect(task!.agent).toBe('gemini');
      expect(await f.finished(task!.id)).toMatchObject({ state: 'succeeded', agent: 'gemini' });
    } finally {
      await f.t.api('PATCH', '/api/machines/local', { capabilities: { defaultAgent: null, defaultMode: null } });
    }
  });

  it('from chat: --agent picks it, the thread shows its progress and result, a reply continues the same agent and session', async () => {
    const from = chat.messages.length;
    const started = await chat.say(OP, 'run local --agent opencode --mode edits Add a --verbose flag to cli.py');
    const taskId = /task (\w+)/.exec(started.text)![1]!;
    const result = await until(() => chat.messages.slice(from).find((m) => m.text.startsWith('✅ local: succeeded')), 10_000);
    expect(result.thread).toBe(started.thread);
    expect(result.text).toContain('there is no CHANGELOG.md');
    expect(result.text).toContain('Reply in this thread to continue the same session (opencode).');
    expect(result.text).toContain('$0.0433');

    const before = chat.messages.length;
    const reply = await chat.say(OP, 'now update the snapshot', started.thread);
    const nextId = /task (\w+)/.exec(reply.text)![1]!;
    expect(nextId).not.toBe(taskId);
    const next = await f.finished(nextId);
    expect(next).toMatchObject({ state: 'succeeded', agent: 'opencode', sessionId: sessions.opencode });
    expect(await argvOf(nextId)).toContain(`--session=${sessions.opencode}`);
    await until(() => chat.messages.slice(before).find((m) => m.text.includes('Snapshot updated; all 3 tests pass.')), 10_000);
  });
});
