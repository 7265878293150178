import { describe, expect, it } from 'vitest';
import type { AgentFact } from '../../../src/protocol/facts.js';
import { agentNamesFor, chooseAgent } from '../../../src/hub/tasks/agent-choice.js';
import type { Machine } from '../../../src/hub/registry/machine.js';

function machine(name: string, agents: AgentFact[] | null, capabilities: Machine['capabilities'] = {}): Machine {
  return {
    id: 1,
    name,
    aliases: [],
    status: 'online',
    powerState: 'online',
    powerStateAt: null,
    powerEvidence: null,
    lastSeen: null,
    capabilities,
    createdAt: '2026-01-01T00:00:00.000Z',
    facts: agents && {
      hostname: name,
      os: { platform: 'linux', release: '6' },
      arch: 'x64',
      cpus: 2,
      memoryBytes: 1,
      interfaces: [],
      repos: [],
      agents,
      workerVersion: '0.1.0',
    },
  } as Machine;
}
const claude: AgentFact = { name: 'claude', path: '/bin/claude', version: '2.1.3', approvals: true, resume: true, default: true };
const codex: AgentFact = { name: 'codex', path: '/bin/codex', version: '0.150.1', approvals: false, resume: true };

describe("the hub's choice of a task's agent", () => {
  it('the one asked for, else the machine default, else the hub default, else none (the worker decides)', () => {
    const m2 = machine('m2', [claude, codex], { defaultAgent: 'codex' });
    expect(chooseAgent(m2, 'claude', 'ask', 'gemini')).toBe('claude');
    expect(chooseAgent(m2, undefined, 'edits', 'claude')).toBe('codex');
    expect(chooseAgent(machine('m3', [claude, codex]), undefined, 'edits', 'codex')).toBe('codex');
    expect(chooseAgent(machine('m3', [claude, codex]), undefined, 'ask', undefined)).toBeUndefined();
  });

  it('refuses ask mode on an agent that cannot ask, also when it is only the default', () => {
    const m2 = machine('m2', [claude, codex], { defaultAgent: 'codex' });
    expect(() => chooseAgent(m2, undefined, 'ask', undefined)).toThrow(expect.objectContaining({ code: 'agent_cannot_ask', message: expect.stringContaining('Agents that can on m2: claude.') }));
    const codexFirst = machine('m4', [{ ...claude, default: false }, { ...codex, default: true }]);
    expect(() => chooseAgent(codexFirst, undefined, 'ask', undefined)).toThrow(expect.objectContaining({ code: 'agent_cannot_ask' }));
    // A machine that never said what it has: the built-in table decides.
    expect(() => chooseAgent(machine('m5', null), 'gemini', 'ask', undefined)).toThrow(expect.objectContaining({ message: expect.stringMatching(/^Gemini CLI \(gemini\) cannot ask .* Agents that can: claude\./) }));
    expect(chooseAgent(machine('m5', null), 'gemini', 'plan', undefined)).toBe('gemini');
  });

  it('an unknown or missing agent: a guess, how to install a known one, what is installed', () => {
    const m2 = machine('m2', [claude, codex]);
    expect(() => chooseAgent(m2, 'claud', 'ask', undefined)).toThrow('No agent named "claud" on m2. Did you mean claude? Installed there: claude 2.1.3 (default), codex 0.150.1.');
    expect(() => chooseAgent(m2, 'aider', 'edits', undefined)).toThrow(/^Aider \(aider\) is not installed on m2 \(python -m pip install aider-install && aider-install\)\. Installed there: claude/);
    expect(() => chooseAgent(machine('m5', null), 'gemni', 'edits', undefined)).toThrow('No agent named "gemni". Did you mean gemini? Built in: claude, codex, gemini, opencode, cursor, aider.');
    // A name the worker may have configured (PIA_AGENTS) passes when the worker has not said.
    expect(chooseAgent(machine('m5', null), 'my-agent', 'edits', undefined)).toBe('my-agent');
  });

  it('offers the agents of a machine for autocomplete, else the fleet and the built-in ones', () => {
    const fleet = [machine('m2', [claude, codex]), machine('m3', null)];
    expect(agentNamesFor(fleet, 'm2')).toEqual(['claude', 'codex']);
    expect(agentNamesFor(fleet)).toEqual(['claude', 'codex', 'gemini', 'opencode', 'cursor', 'aider']);
  });
});
