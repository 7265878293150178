import path from 'node:path';
import { PiaError } from '../../common/errors.js';
import { agentsThatAsk, catalogAgent, closestName } from '../../protocol/agent-catalog.js';
import type { TaskSpec } from '../../protocol/tasks.js';
import { adapterOf } from '../agents/registry.js';
import { agentEnv, expandArgv, modeFor, type AgentDefinition } from './agent-templates.js';

/** The folder a task works in: the workspace root, or a named folder under it (never a path). */
export function workspaceOf(root: string, spec: TaskSpec): string {
  const name = spec.workspace;
  if (name === undefined) return root;
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/.test(name)) throw new PiaError('workspace_invalid', `"${name}" is not a workspace folder name`);
  return path.join(root, name);
}

/** A session id as the agents print them (UUIDs, `ses_...`, `pia-<task>`): never an option, never a path. */
const sessionId = /^[A-Za-z0-9_][A-Za-z0-9._:-]{0,255}$/;

/** What a task runs. */
export interface Launch {
  argv: string[];
  /** Program names to try on PATH, in order, for argv[0]. */
  programs: string[];
  agent?: AgentDefinition;
  /** Variables the agent needs beyond the task's environment. */
  env: Record<string, string>;
  /** How to fix a missing program. */
  hint: string;
}

/** "No agent named "codx" on m2. Did you mean codex? Configured here: claude, codex." */
function unknownAgent(name: string, spec: TaskSpec, agents: Map<string, AgentDefinition>): PiaError {
  const guess = closestName(name, [...agents.keys()]);
  return new PiaError('agent_unknown', `No agent named "${name}" on ${spec.machine}.${guess ? ` Did you mean ${guess}?` : ''} Configured here: ${[...agents.keys()].join(', ')}.`);
}

/**
 * What a task runs, as an argv array: a shell task's own argv; a built-in agent's argv from its adapter (its flags
 * for the task's mode, `ask` refused where it cannot ask); or a configured template (its resume template for a
 * follow-up) with the prompt, workspace, task id, session and mode filled in. (Claude Code, driven over its control
 * protocol, gets its prompt on stdin, not here.)
 */
export function commandFor(spec: TaskSpec, workspace: string, agents: Map<string, AgentDefinition>, defaultAgent: string): Launch {
  if (spec.kind === 'shell') {
    const argv = spec.argv ?? [];
    return { argv, programs: argv.slice(0, 1), env: {}, hint: 'Check the command name, or give its full path.' };
  }
  const name = spec.agent ?? defaultAgent;
  const agent = agents.get(name);
  if (!agent) throw unknownAgent(name, spec, agents);
  const mode = spec.mode ?? 'ask';
  const install = catalogAgent(agent.builtin?.adapter ?? '')?.install ?? 'npm install -g @anthropic-ai/claude-code';
  const hint =
    `Install the ${agent.name} agent on ${spec.machine} (${install}), or point PIA_AGENT_CMD / PIA_AGENTS at another one. ` +
    `Without an agent, commands still run: sh ${spec.machine} -- uname -a`;
  const adapter = agent.builtin ? adapterOf(agent.builtin.adapter) : undefined;
  if (agent.builtin && adapter) {
    if (!adapter.modes.includes(mode)) {
      throw new PiaError(
        'agent_cannot_ask',
        `The ${agent.name} agent cannot ask for approval, so it cannot run a task in ${mode} mode. Agents that can: ${agentsThatAsk().join(', ')}. Or choose a mode for ${agent.name}: --mode ${adapter.modes.join(', --mode ')}.`,
      );
    }
    if (spec.resumeSession !== undefined && !sessionId.test(spec.resumeSession)) {
      throw new PiaError('agent_session_invalid', `"${spec.resumeSession.slice(0, 60)}" is not a session id the ${agent.name} agent could have given.`);
    }
    const run = { program: agent.builtin.programs[0]!, prompt: spec.prompt ?? '', mode, taskId: spec.id, ...(spec.resumeSession ? { session: spec.resumeSession } : {}) };
    return { argv: adapter.argv(run), programs: agent.builtin.programs, agent, env: adapter.env?.(run) ?? {}, hint };
  }
  let template = agent.command;
  if (spec.resumeSession) {
    if (!agent.resume) throw new PiaError('agent_cannot_resume', `The ${name} agent has no resume command configured, so this follow-up cannot continue its session.`);
    template = agent.resume;
  }
  const argv = expandArgv(template, { prompt: spec.prompt ?? '', workspace, task: spec.id, session: spec.resumeSession ?? '', mode: modeFor(agent.format, mode) }, name);
  return { argv, programs: argv.slice(0, 1), agent, env: {}, hint };
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
