import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentEventText, AgentEvent } from '../../../../src/protocol/agent-events.js';
import { projectRoot } from '../../../../src/common/version.js';
import { ADAPTERS } from '../../../../src/worker/agents/registry.js';
import { newRefusals } from '../../../../src/worker/tasks/claude-stream.js';

const dir = path.join(projectRoot, 'test', 'fixtures', 'agents', 'transcripts');

/** Every event an agent's parser makes of a transcript, checked against the protocol's schema. */
function parse(agent: string, file: string, resumeSession?: string): AgentEvent[] {
  const parser = ADAPTERS.get(agent)!.parser({ agent, taskId: 'k3x9q2mfab', refusals: newRefusals(), ...(resumeSession ? { resumeSession } : {}) });
  const events = [...readFileSync(path.join(dir, file), 'utf8').split('\n').flatMap((l) => parser.line(l)), ...parser.end()];
  for (const e of events) expect(AgentEvent.safeParse(e).success, JSON.stringify(e)).toBe(true);
  return events;
}
const log = (events: AgentEvent[]) => events.map(agentEventText).join('');
const only = <K extends AgentEvent['kind']>(events: AgentEvent[], kind: K) => events.filter((e): e is Extract<AgentEvent, { kind: K }> => e.kind === kind);

describe("each agent's output becomes the same events", () => {
  it('Codex: thread id, commands without their shell wrapper, a failing command, file changes, tokens, the last message as the result', () => {
    const events = parse('codex', 'codex-run.jsonl');
    expect(events[0]).toEqual({ kind: 'session', sessionId: '019a3c55-7d1e-7b52-9c8e-3f1f0e6a2b41', agent: 'codex' });
    expect(only(events, 'tool').map((e) => `${e.tool} ${e.detail}`)).toEqual(['shell sed -n 1,60p cli.py', 'edit update /home/dev/demo/cli.py', 'shell python -m pytest -q']);
    expect(only(events, 'tool_done').map((e) => [e.ok, e.error])).toEqual([[true, undefined], [true, undefined], [false, 'exit 1']]);
    expect(only(events, 'usage')).toEqual([{ kind: 'usage', inputTokens: 48211, outputTokens: 1377 }]);
    expect(events.at(-1)).toMatchObject({ kind: 'result', isError: false, sessionId: '019a3c55-7d1e-7b52-9c8e-3f1f0e6a2b41', text: expect.stringContaining('Added a `--verbose` flag') });
    expect(log(events)).toContain('▸ shell: python -m pytest -q\n  ✗ shell: python -m pytest -q: exit 1\n');
    const failed = parse('codex', 'codex-error.jsonl');
    expect(failed.at(-1)).toMatchObject({ kind: 'result', isError: true, text: expect.stringContaining('401 Unauthorized') });
    // Exit without an end of turn is not a success.
    expect(parse('codex', 'codex-run-refused.jsonl').at(-1)).toMatchObject({ kind: 'result', isError: true });
  });

  it('Gemini: init, deltas joined into one text, tool results joined to their calls by id, stats as tokens, an error result', () => {
    const events = parse('gemini', 'gemini-run.jsonl');
    expect(events[0]).toEqual({ kind: 'session', sessionId: '3f6c2a1e-8d4b-4f0a-9b7e-2c5d1e9a7f30', model: 'gemini-2.5-pro', agent: 'gemini' });
    expect(only(events, 'tool_done').map((e) => `${e.tool} ${e.detail} ${e.ok}`)).toEqual([
      'read_file cli.py true',
      'read_file CHANGELOG.md false',
      'replace /home/dev/demo/cli.py true',
      'run_shell_command python -m pytest -q true',
    ]);
    expect(only(events, 'text').map((e) => e.text)).toEqual(["I'll start by reading `cli.py` and the changelog.", 'Added `--verbose` to `cli.py`. One test (`test_help_text`) fails because the stored help snapshot needs updating.']);
    expect(events.at(-1)).toMatchObject({ kind: 'result', isError: false, text: 'Added `--verbose` to `cli.py`. One test (`test_help_text`) fails because the stored help snapshot needs updating.' });
    expect(only(events, 'usage')).toEqual([{ kind: 'usage', inputTokens: 39402, outputTokens: 919 }]);
    expect(parse('gemini', 'gemini-error.jsonl').at(-1)).toMatchObject({ kind: 'result', isError: true, text: expect.stringContaining('exhausted your capacity') });
    expect(log(parse('gemini', 'gemini-resume.jsonl'))).toContain('⚠ Loop detected, stopping execution\n');
  });

  it('opencode: the session from the first line, tools started and finished at once, a refused permission, summed tokens and cost', () => {
    const events = parse('opencode', 'opencode-run.jsonl');
    expect(events[0]).toEqual({ kind: 'session', sessionId: 'ses_4a8e21c7bffeQ2mZk9LrT0vWxy', agent: 'opencode' });
    expect(only(events, 'tool_done').map((e) => [e.tool, e.ok, e.error])).toEqual([
      ['read', true, undefined],
      ['edit', true, undefined],
      ['bash', false, 'exit 1'],
      ['read', false, 'Error: File not found: /home/dev/demo/CHANGELOG.md'],
    ]);
    expect(only(events, 'usage')).toEqual([{ kind: 'usage', inputTokens: 11087 + 1630 + 11087 + 671 + 12717, outputTokens: 145 + 402 + 58, costUsd: 0.0433 }]);
    expect(events.at(-1)).toMatchObject({ kind: 'result', isError: false, costUsd: 0.0433, text: expect.stringContaining('there is no CHANGELOG.md') });
    expect(only(parse('opencode', 'opencode-run-refused.jsonl'), 'denied')).toEqual([
      { kind: 'denied', tool: 'read', detail: 'read /etc/hosts', reason: 'The user rejected permission to use this specific tool call.' },
    ]);
    expect(parse('opencode', 'opencode-error.jsonl').at(-1)).toMatchObject({ kind: 'result', isError: true, text: 'invalid x-api-key' });
  });

  it('Cursor: init with its model, tool calls by kind, a shell exit code and a failed MCP call, the result line', () => {
    const events = parse('cursor', 'cursor-run.jsonl');
    expect(events[0]).toEqual({ kind: 'session', sessionId: 'c6b62c6f-7ead-4fd6-9922-e952131177ff', model: 'Claude 4 Sonnet', agent: 'cursor' });
    expect(only(events, 'tool_done').map((e) => [`${e.tool} ${e.detail}`, e.ok, e.error])).toEqual([
      ['read cli.py', true, undefined],
      ['write cli.py', true, undefined],
      ['shell python -m pytest -q', false, 'exit 1'],
      ['docs_search ', false, 'MCP server docs is not approved'],
    ]);
    expect(events.at(-1)).toMatchObject({ kind: 'result', isError: false, sessionId: 'c6b62c6f-7ead-4fd6-9922-e952131177ff' });
    // A failure prints only init, and the reason on stderr.
    expect(parse('cursor', 'cursor-error.jsonl').at(-1)).toEqual({ kind: 'result', isError: true, text: 'Cursor ended without a result.', sessionId: '5e0b7c1d-93a4-4f2e-b8d6-0a1c2e3f4a5b' });
  });

  it('Aider: the model from its banner, edits and commits from its lines, tokens and cost, an API error despite exit 0', () => {
    const events = parse('aider', 'aider-run.txt');
    expect(events[0]).toEqual({ kind: 'session', sessionId: 'pia-k3x9q2mfab', model: 'anthropic/claude-sonnet-4-20250514', agent: 'aider' });
    expect(only(events, 'tool').map((e) => `${e.tool} ${e.detail}`)).toEqual(['edit cli.py', 'commit 3f2a9c1 feat: add --verbose flag to CLI']);
    expect(only(events, 'usage')).toEqual([{ kind: 'usage', inputTokens: 3100, outputTokens: 142, costUsd: 0.01 }]);
    const result = events.at(-1);
    expect(result).toMatchObject({ kind: 'result', isError: false, costUsd: 0.01, sessionId: 'pia-k3x9q2mfab' });
    // The edit block is not part of what it said.
    expect(JSON.stringify(result)).not.toContain('<<<<<<< SEARCH');
    expect(parse('aider', 'aider-error.txt').at(-1)).toMatchObject({ kind: 'result', isError: true, text: expect.stringContaining('not able to authenticate you') });
    expect(parse('aider', 'aider-resume.txt', 'pia-k3x9q2mfab').at(-1)).toMatchObject({ kind: 'result', sessionId: 'pia-k3x9q2mfab' });
  });

  it('Claude Code: its stream-json as before, with failed tools, usage and the refused tool', () => {
    const events = parse('claude', 'claude-run.jsonl');
    expect(events[0]).toMatchObject({ kind: 'session', sessionId: '8f2d6c1e-3b7a-4e9d-a1c5-6f0b2e4d9a17', model: 'claude-sonnet-4-5-20250929' });
    expect(only(events, 'tool').map((e) => `${e.tool} ${e.detail}`)).toEqual(['Read /home/dev/demo/cli.py', 'Edit /home/dev/demo/cli.py', 'Bash python -m pytest -q']);
    expect(log(events)).toContain('✋ Bash: python -m pytest -q refused: the agent was not permitted to use it\n');
    expect(events.at(-1)).toMatchObject({ kind: 'result', isError: false, costUsd: 0.0831, turns: 4 });
    expect(parse('claude', 'claude-error.jsonl').at(-1)).toMatchObject({ kind: 'result', isError: true, text: 'Invalid API key · Please run /login' });
  });

  it('never throws on text, truncated JSON, JSON of the wrong shape or unknown events: they are shown as text or skipped', () => {
    const bad = ['plain text', '{"type":"item.completed","item":{"id":"item_9"', '[1,2,3]', '"a string"', '{"type":"something.new","x":1}', '{"type":"tool_use"}', '{"type":"tool_call","subtype":"completed"}', '', '{'];
    for (const [agent, adapter] of ADAPTERS) {
      const parser = adapter.parser({ agent, taskId: 'k3x9q2mfab', refusals: newRefusals() });
      const events = [...bad.flatMap((l) => parser.line(l)), ...parser.end()];
      for (const e of events) expect(AgentEvent.safeParse(e).success, `${agent}: ${JSON.stringify(e)}`).toBe(true);
      const text = log(events);
      expect(text, agent).toContain('plain text\n');
      if (agent !== 'aider') expect(text, agent).toContain('{"type":"item.completed","item":{"id":"item_9"\n');
    }
  });
});

describe("each agent's argv", () => {
  const run = { program: 'x', prompt: '--flag-like prompt', mode: 'edits' as const, taskId: 'k3x9q2mfab' };
  it('keeps a prompt that looks like an option a prompt, and continues the session it is given', () => {
    expect(ADAPTERS.get('codex')!.argv(run)).toEqual(['x', 'exec', '--json', '--sandbox', 'workspace-write', '--skip-git-repo-check', '--', '--flag-like prompt']);
    expect(ADAPTERS.get('codex')!.argv({ ...run, mode: 'full', session: 's1' })).toEqual(['x', 'exec', '--json', '--dangerously-bypass-approvals-and-sandbox', '--skip-git-repo-check', 'resume', 's1', '--', '--flag-like prompt']);
    expect(ADAPTERS.get('gemini')!.argv({ ...run, session: 's1' })).toEqual(['x', '--prompt=--flag-like prompt', '--output-format', 'stream-json', '--approval-mode=auto_edit', '--resume=s1']);
    expect(ADAPTERS.get('opencode')!.argv({ ...run, mode: 'plan', session: 'ses_1' })).toEqual(['x', 'run', '--format', 'json', '--agent', 'plan', '--session=ses_1', '--', '--flag-like prompt']);
    expect(ADAPTERS.get('cursor')!.argv({ ...run, mode: 'full', session: 's1' })).toEqual(['x', '-p', '--output-format', 'stream-json', '--force', '--resume=s1', '--', '--flag-like prompt']);
    const aider = ADAPTERS.get('aider')!.argv({ ...run, session: 'pia-k3x9q2mfab' });
    expect(aider.slice(0, 3)).toEqual(['x', '--message=--flag-like prompt', '--yes-always']);
    expect(aider).toContain('--chat-history-file=.aider.pia-k3x9q2mfab.chat.history.md');
    expect(aider).toContain('--restore-chat-history');
  });
  it('only Claude Code runs in ask mode', () => {
    expect([...ADAPTERS.values()].filter((a) => a.modes.includes('ask')).map((a) => a.name)).toEqual(['claude']);
  });
});
