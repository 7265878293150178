import path from 'node:path';
import { PiaError } from '../../common/errors.js';
import type { TaskSpec } from '../../protocol/tasks.js';
import { agentEnv, expandArgv, modeFor, type AgentDefinition } from './agent-templates.js';

/** The folder a task works in: the workspace root, or a named folder under it (never a path). */
export function workspaceOf(root: string, spec: TaskSpec): string {
  const name = spec.workspace;
  if (name === undefined) return root;
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/.test(name)) throw new PiaError('workspace_invalid', `"${name}" is not a workspace folder name`);
  return path.join(root, name);
}

/**
 * What a task runs, as an argv array: a shell task's own argv, or the agent's template (its resume template for a
 * follow-up) with the prompt, workspace, task id, session and mode filled in. `hint` says how to fix a missing
 * program. (An agent driven over Claude Code's control protocol gets its prompt on stdin, not here.)
 */
export function commandFor(spec: TaskSpec, workspace: string, agents: Map<string, AgentDefinition>, defaultAgent: string): { argv: string[]; agent?: AgentDefinition; hint: string } {
  if (spec.kind === 'shell') return { argv: spec.argv ?? [], hint: 'Check the command name, or give its full path.' };
  const name = spec.agent ?? defaultAgent;
  const agent = agents.get(name);
  if (!agent) throw new PiaError('agent_unknown', `No agent named "${name}" on ${spec.machine}; configured: ${[...agents.keys()].join(', ')}.`);
  let template = agent.command;
  if (spec.resumeSession) {
    if (!agent.resume) throw new PiaError('agent_cannot_resume', `The ${name} agent has no resume command configured, so this follow-up cannot continue its session.`);
    template = agent.resume;
  }
  return {
    argv: expandArgv(template, { prompt: spec.prompt ?? '', workspace, task: spec.id, session: spec.resumeSession ?? '', mode: modeFor(agent.format, spec.mode ?? 'ask') }, name),
    agent,
    hint:
      `Install the ${agent.name} agent on ${spec.machine} (Claude Code: npm install -g @anthropic-ai/claude-code), or point PIA_AGENT_CMD / PIA_AGENTS at another one. ` +
      `Without an agent, commands still run: sh ${spec.machine} -- uname -a`,
  };
}

/**
 * A task process's environment: the worker's without secrets (see {@link agentEnv}), plus who it is (PIA_TASK_ID,
 * PIA_MACHINE) and how `pia mail` reaches the worker (PIA_TASK_TOKEN, PIA_WORKER_SOCKET, a `pia` first on PATH).
 */
export function taskEnv(base: NodeJS.ProcessEnv, spec: TaskSpec, token: string, agentSocket: string | undefined, binDir: string | undefined): Record<string, string> {
  return agentEnv(base, {
    PIA_TASK_ID: spec.id,
    PIA_MACHINE: spec.machine,
    PIA_TASK_TOKEN: token,
    ...(agentSocket ? { PIA_WORKER_SOCKET: agentSocket } : {}),
    ...(binDir ? { PATH: [binDir, base.PATH].filter(Boolean).join(path.delimiter) } : {}),
  });
}
