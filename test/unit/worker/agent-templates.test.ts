import { describe, expect, it } from 'vitest';
import type { TaskSpec } from '../../../src/protocol/tasks.js';
import { CLAUDE_AGENT, expandArgv, loadAgents, modeFor } from '../../../src/worker/tasks/agent-templates.js';
import { commandFor } from '../../../src/worker/tasks/launch.js';

describe('agent templates and option-like text', () => {
  it('the built-in Claude Code templates carry no user text in argv: the prompt goes on stdin, the session inside --resume=', () => {
    const values = { prompt: '--settings=/tmp/evil.json', workspace: '/w', task: 't1', session: '--x', mode: 'default' };
    const argv = expandArgv(CLAUDE_AGENT.command, values);
    expect(argv).toEqual(['claude', '-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose', '--permission-prompt-tool', 'stdio', '--permission-mode=default']);
    expect(CLAUDE_AGENT.format).toBe('claude-control');
    const resume = expandArgv(CLAUDE_AGENT.resume!, values);
    expect(resume).toContain('--resume=--x');
    expect(resume.join(' ')).not.toContain('evil');
  });

  it("maps PIA's modes to Claude Code's permission modes", () => {
    expect(['plan', 'ask', 'edits', 'full'].map((m) => modeFor('claude-control', m as 'plan'))).toEqual(['plan', 'default', 'acceptEdits', 'bypassPermissions']);
    expect(modeFor('text', 'edits')).toBe('edits');
  });

  it('warns at load time about a configured template whose {prompt} or {session} could be read as an option', () => {
    const { warnings } = loadAgents({
      PIA_AGENTS: JSON.stringify({
        safe: { command: ['codex', 'exec', '--', '{prompt}'] },
        inline: { command: ['aider', '--message={prompt}'] },
        risky: { command: ['codex', 'exec', '{prompt}'], resume: ['codex', 'exec', 'resume', '{session}', '--', '{prompt}'] },
      }),
      PIA_AGENT_CMD: '["gemini","-p","{prompt}"]',
    });
    expect(warnings).toEqual([
      'The gemini agent\'s command puts {prompt} where a value starting with "-" is read as an option (a prompt like "--permission-mode=..." would change how it runs); PIA refuses such prompts for it. Put "--" before it in PIA_AGENTS / PIA_AGENT_CMD, or use --flag={prompt}.',
      'The risky agent\'s command puts {prompt} where a value starting with "-" is read as an option (a prompt like "--permission-mode=..." would change how it runs); PIA refuses such prompts for it. Put "--" before it in PIA_AGENTS / PIA_AGENT_CMD, or use --flag={prompt}.',
      'The risky agent\'s resume command puts {session} where a value starting with "-" is read as an option (a prompt like "--permission-mode=..." would change how it runs); PIA refuses such prompts for it. Put "--" before it in PIA_AGENTS / PIA_AGENT_CMD, or use --flag={session}.',
    ]);
    expect(loadAgents({}).warnings).toEqual([]);
  });

  it('refuses to expand option-like text where it would be an option, and only there', () => {
    const values = { prompt: '-rf', workspace: '/w', task: 't1', session: 's1' };
    expect(() => expandArgv(['codex', 'exec', '{prompt}'], values, 'codex')).toThrow(
      expect.objectContaining({ code: 'prompt_option_like', message: expect.stringContaining('the codex agent') }),
    );
    expect(expandArgv(['codex', 'exec', '--', '{prompt}'], values)).toEqual(['codex', 'exec', '--', '-rf']);
    expect(expandArgv(['aider', '--message={prompt}'], values)).toEqual(['aider', '--message=-rf']);
    expect(expandArgv(['codex', 'exec', '{prompt}'], { ...values, prompt: 'fix -rf' })).toEqual(['codex', 'exec', 'fix -rf']);
    expect(() => expandArgv(['x', 'resume', '{session}', '--', '{prompt}'], { ...values, session: '--evil' })).toThrow(expect.objectContaining({ code: 'prompt_option_like' }));
  });
});

describe('built-in agents on the worker', () => {
  const { agents } = loadAgents({});
  const spec = (over: Partial<TaskSpec>): TaskSpec => ({ id: 'k3x9q2mfab', kind: 'run', machine: 'm2', prompt: 'add a test', requester: 'x', origin: { kind: 'cli' }, timeoutS: 60, hub: 'ws://h', ...over });

  it("builds each agent's argv from its adapter, with the programs to try (Cursor's two names) and its environment", () => {
    expect(commandFor(spec({ agent: 'codex', mode: 'edits' }), '/w', agents, 'claude')).toMatchObject({
      argv: ['codex', 'exec', '--json', '--sandbox', 'workspace-write', '--skip-git-repo-check', '--', 'add a test'],
      programs: ['codex'],
    });
    expect(commandFor(spec({ agent: 'cursor', mode: 'plan' }), '/w', agents, 'claude').programs).toEqual(['cursor-agent', 'agent']);
    expect(commandFor(spec({ agent: 'gemini', mode: 'full' }), '/w', agents, 'claude').env).toEqual({ GEMINI_CLI_TRUST_WORKSPACE: 'true' });
  });

  it('refuses ask mode on an agent that cannot ask, a session id that could be an option, and says which agent it did not find', () => {
    expect(() => commandFor(spec({ agent: 'aider', mode: 'ask' }), '/w', agents, 'claude')).toThrow(
      expect.objectContaining({ code: 'agent_cannot_ask', message: 'The aider agent cannot ask for approval, so it cannot run a task in ask mode. Agents that can: claude. Or choose a mode for aider: --mode plan, --mode edits, --mode full.' }),
    );
    expect(() => commandFor(spec({ agent: 'codex', mode: 'edits', resumeSession: '--yolo' }), '/w', agents, 'claude')).toThrow(expect.objectContaining({ code: 'agent_session_invalid' }));
    expect(() => commandFor(spec({ agent: 'gemnii', mode: 'edits' }), '/w', agents, 'claude')).toThrow(expect.objectContaining({ code: 'agent_unknown', message: expect.stringContaining('Did you mean gemini?') }));
  });
});
