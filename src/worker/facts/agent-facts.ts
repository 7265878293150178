/**
 * The agents this worker can run, as facts for the hub: each configured or built-in agent whose program is
 * installed, with its version, whether it can ask a person and continue a session, and which is the default.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { catalogAgent } from '../../protocol/agent-catalog.js';
import type { AgentFact } from '../../protocol/facts.js';
import { resolveFirst, type AgentDefinition } from '../tasks/agent-templates.js';

/** "codex-cli 0.150.1" -> "0.150.1"; the first line when there is no version number in it. */
export function versionOf(output: string): string | undefined {
  const line = output.trim().split('\n')[0]?.trim() ?? '';
  const m = /\d+\.\d+(?:\.\d+)?(?:[-+.][0-9A-Za-z.-]+)?/.exec(line);
  const v = m ? m[0] : line;
  return v ? v.slice(0, 128) : undefined;
}

/** What `program --version` says, within `timeoutMs` (an agent that hangs or fails has no version). */
function probeVersion(program: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(program, ['--version'], { timeout: timeoutMs, windowsHide: true, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout) => {
      resolve(err ? undefined : versionOf(String(stdout)));
    });
  });
}

/** The installed agents among `agents`, with versions for the built-in ones (asked in parallel). */
export async function agentFacts(agents: ReadonlyMap<string, AgentDefinition>, defaultAgent: string, pathEnv: string, timeoutMs = 3000): Promise<AgentFact[]> {
  const found = await Promise.all(
    [...agents.values()].map(async (a): Promise<AgentFact | undefined> => {
      const programs = a.builtin?.programs ?? a.command.slice(0, 1);
      const file = await resolveFirst(programs, pathEnv, '').catch(() => undefined);
      if (!file) return undefined;
      // A configured template's program may be an interpreter (node, python): its version is not the agent's.
      const version = a.builtin ? await probeVersion(file, timeoutMs) : undefined;
      const catalog = a.builtin ? catalogAgent(a.builtin.adapter) : undefined;
      return {
        name: a.name,
        path: path.resolve(file),
        ...(version ? { version } : {}),
        ...(a.name === defaultAgent ? { default: true } : {}),
        approvals: a.format === 'claude-control',
        resume: catalog ? catalog.capabilities.resume : a.resume !== undefined,
      };
    }),
  );
  return found.filter((f): f is AgentFact => f !== undefined);
}
