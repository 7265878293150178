import { describe, expect, it } from 'vitest';
import { CLAUDE_AGENT, expandArgv, loadAgents } from '../../../src/worker/tasks/agent-templates.js';

describe('agent templates and option-like text', () => {
  it('the built-in Claude Code templates end options before the prompt', () => {
    const values = { prompt: '--settings=/tmp/evil.json', workspace: '/w', task: 't1', session: '--x' };
    const argv = expandArgv(CLAUDE_AGENT.command, values);
    expect(argv.slice(argv.indexOf('--'))).toEqual(['--', '--settings=/tmp/evil.json']);
    const resume = expandArgv(CLAUDE_AGENT.resume!, values);
    expect(resume).toContain('--resume=--x');
    expect(resume.slice(resume.indexOf('--'))).toEqual(['--', '--settings=/tmp/evil.json']);
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
      'The risky agent\'s command puts {prompt} where a value starting with "-" is read as an option (a prompt like "--permission-mode=..." would change how it runs); PIA refuses such prompts for it. Put "--" before it in PIA_AGENTS / PIA_AGENT_CMD, or use --flag={prompt}.',
      'The risky agent\'s resume command puts {session} where a value starting with "-" is read as an option (a prompt like "--permission-mode=..." would change how it runs); PIA refuses such prompts for it. Put "--" before it in PIA_AGENTS / PIA_AGENT_CMD, or use --flag={session}.',
      'The gemini agent\'s command puts {prompt} where a value starting with "-" is read as an option (a prompt like "--permission-mode=..." would change how it runs); PIA refuses such prompts for it. Put "--" before it in PIA_AGENTS / PIA_AGENT_CMD, or use --flag={prompt}.',
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
