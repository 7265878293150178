import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { PiaError } from '../../common/errors.js';
import { AGENT_CATALOG } from '../../protocol/agent-catalog.js';
import type { TaskMode } from '../../protocol/tasks.js';

/**
 * How an agent is driven and its output read: Claude Code over its control protocol (the prompt and the answers to
 * its permission prompts on stdin, stream-json on stdout), Claude Code's stream-json with the prompt in argv (no way
 * to ask: what it may not do is refused), another agent's own output format (its adapter in src/worker/agents parses
 * it into events), or plain text passed through.
 */
export const agentFormats = ['claude-control', 'claude-stream-json', 'text', 'codex', 'gemini', 'opencode', 'cursor', 'aider'] as const;
export type AgentFormat = (typeof agentFormats)[number];

/** One configured agent: argv templates for a new session and for continuing one. */
export interface AgentDefinition {
  name: string;
  /** argv with placeholders: {prompt}, {workspace}, {task}, {session}, {mode}. */
  command: string[];
  /** argv to continue a session ({session} and {prompt}); absent: the agent cannot continue sessions. */
  resume?: string[];
  format: AgentFormat;
  /**
   * A built-in agent: its adapter makes the argv (its own flags for each mode, `ask` refused where it cannot ask);
   * `programs` are tried on PATH in order (Cursor's CLI is `cursor-agent`, or `agent` in newer installs).
   */
  builtin?: { adapter: string; programs: string[] };
}

const AgentJson = z.object({
  command: z.array(z.string()).min(1),
  resume: z.array(z.string()).min(1).optional(),
  format: z.enum(agentFormats).optional(),
});

/**
 * Claude Code over its control protocol: the prompt is a user message on its stdin, never an argument (a chat user's
 * "--permission-mode bypassPermissions" stays a prompt), its permission prompts come to the worker on stdout and go
 * to the hub as approvals, and its steps become progress. The session goes inside `--resume=`, so an id starting
 * with "-" cannot be read as an option.
 */
export const CLAUDE_AGENT: AgentDefinition = {
  name: 'claude',
  command: ['claude', '-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose', '--permission-prompt-tool', 'stdio', '--permission-mode={mode}'],
  resume: ['claude', '-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose', '--permission-prompt-tool', 'stdio', '--permission-mode={mode}', '--resume={session}'],
  format: 'claude-control',
  builtin: { adapter: 'claude', programs: ['claude'] },
};

/** The other built-in agents: argv from their adapters, so the templates only name the program. */
const BUILTIN_AGENTS: AgentDefinition[] = AGENT_CATALOG.filter((a) => a.name !== 'claude').map((a) => ({
  name: a.name,
  command: [a.programs[0]!],
  format: a.name as AgentFormat,
  builtin: { adapter: a.name, programs: a.programs },
}));

/** Claude Code's permission modes for PIA's task modes. */
const claudeModes: Record<TaskMode, string> = { plan: 'plan', ask: 'default', edits: 'acceptEdits', full: 'bypassPermissions' };

/** The value of `{mode}` for an agent: Claude Code's name of the mode for Claude formats, PIA's own otherwise. */
export function modeFor(format: AgentFormat, mode: TaskMode): string {
  return format === 'claude-control' || format === 'claude-stream-json' ? claudeModes[mode] : mode;
}

/** Placeholders whose text comes from a user or an agent, not from PIA: never to be read as an option. */
const untrusted = ['prompt', 'session'] as const;

/**
 * The placeholders of a template that sit where a value starting with "-" would be an option: in an element of
 * their own (or starting with them) that no `--` element precedes. `--flag={prompt}` is safe: the dash is the
 * template's own.
 */
export function optionLikePlaceholders(template: string[]): string[] {
  const found: string[] = [];
  const end = template.indexOf('--');
  template.forEach((arg, i) => {
    if (end >= 0 && i > end) return;
    for (const key of untrusted) if (arg.startsWith(`{${key}}`) && !found.includes(key)) found.push(key);
  });
  return found;
}

function optionWarnings(agent: AgentDefinition): string[] {
  const templates: Array<[string, string[] | undefined]> = [['command', agent.command], ['resume command', agent.resume]];
  return templates.flatMap(([what, template]) =>
    optionLikePlaceholders(template ?? []).map(
      (key) =>
        `The ${agent.name} agent's ${what} puts {${key}} where a value starting with "-" is read as an option (a prompt like "--permission-mode=..." would change how it runs); PIA refuses such prompts for it. Put "--" before it in PIA_AGENTS / PIA_AGENT_CMD, or use --flag={${key}}.`,
    ),
  );
}

/**
 * Guesses the format from the command: Claude over its control protocol with `--input-format stream-json`, Claude's
 * stream-json with `--output-format stream-json`.
 */
export function guessFormat(command: string[]): AgentFormat {
  const flag = (name: string) => {
    const i = command.indexOf(name);
    return (i >= 0 && command[i + 1] === 'stream-json') || command.includes(`${name}=stream-json`);
  };
  if (flag('--input-format')) return 'claude-control';
  return flag('--output-format') ? 'claude-stream-json' : 'text';
}

/**
 * Reads the agents from the worker's environment. `PIA_AGENTS` is a JSON object of named agents
 * (`{"codex": {"command": ["codex", "exec", "--", "{prompt}"]}}`); `PIA_AGENT_CMD` is one argv template for the
 * default agent. Without either, Claude Code is the default. `warnings` name configured templates that would let a
 * prompt starting with "-" be read as an option (such prompts are refused for them; see {@link expandArgv}).
 */
export function loadAgents(env: { PIA_AGENTS?: string; PIA_AGENT_CMD?: string; PIA_AGENT?: string }): {
  agents: Map<string, AgentDefinition>;
  defaultAgent: string;
  warnings: string[];
} {
  const agents = new Map<string, AgentDefinition>([CLAUDE_AGENT, ...BUILTIN_AGENTS].map((a) => [a.name, a]));
  if (env.PIA_AGENTS?.trim()) {
    let raw: unknown;
    try {
      raw = JSON.parse(env.PIA_AGENTS);
    } catch {
      throw new PiaError('config_invalid', "PIA_AGENTS must be a JSON object of agents, e.g. {\"codex\":{\"command\":[\"codex\",\"exec\",\"{prompt}\"]}}, got invalid JSON");
    }
    const parsed = z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/), AgentJson).safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PiaError('config_invalid', `PIA_AGENTS must map agent names to {"command": [argv...]}: ${issue?.path.join('.')}: ${issue?.message}`);
    }
    for (const [name, def] of Object.entries(parsed.data)) {
      agents.set(name, { name, command: def.command, ...(def.resume ? { resume: def.resume } : {}), format: def.format ?? guessFormat(def.command) });
    }
  }
  let defaultAgent = env.PIA_AGENT?.trim() || 'claude';
  if (env.PIA_AGENT_CMD?.trim()) {
    let command: unknown;
    try {
      command = JSON.parse(env.PIA_AGENT_CMD);
    } catch {
      command = undefined;
    }
    const ok = z.array(z.string()).min(1).safeParse(command);
    if (!ok.success) {
      throw new PiaError('config_invalid', `PIA_AGENT_CMD must be a JSON array of arguments, e.g. ["claude","-p","{prompt}"], got '${env.PIA_AGENT_CMD}'`);
    }
    const name = env.PIA_AGENT?.trim() || path.basename(ok.data[0]!).replace(/\.[a-z]+$/i, '') || 'agent';
    const known = agents.get(name);
    agents.set(name, { name, command: ok.data, ...(known?.resume ? { resume: known.resume } : {}), format: guessFormat(ok.data) });
    defaultAgent = name;
  }
  if (!agents.has(defaultAgent)) {
    throw new PiaError('config_invalid', `PIA_AGENT must name a configured agent (${[...agents.keys()].join(', ')}), got '${defaultAgent}'`);
  }
  const warnings = [...agents.values()].filter((a) => !a.builtin).flatMap(optionWarnings);
  return { agents, defaultAgent, warnings };
}

/**
 * Fills an argv template. Each placeholder is replaced inside its own element: no shell ever sees the text. Text
 * from a user or an agent ({prompt}, {session}) that starts with "-" where the program would read it as an option
 * (see {@link optionLikePlaceholders}) is refused with a PiaError naming `agentName`.
 */
export function expandArgv(template: string[], values: Record<string, string>, agentName = 'configured'): string[] {
  for (const key of optionLikePlaceholders(template)) {
    if (values[key]?.startsWith('-')) {
      throw new PiaError(
        'prompt_option_like',
        `This ${key} starts with "-", and the ${agentName} agent's command (PIA_AGENTS / PIA_AGENT_CMD) would read it as an option: put "--" before "{${key}}" in that command, or start the ${key} with another character.`,
      );
    }
  }
  return template.map((arg) => arg.replace(/\{(prompt|workspace|task|session|mode)\}/g, (_, key: string) => values[key] ?? ''));
}

/**
 * Resolves a command's program like the OS would (a path, or a name on PATH), so a missing agent fails at once
 * with a message that says how to fix it instead of a bare ENOENT.
 */
export async function resolveProgram(program: string, pathEnv: string, hint: string): Promise<string> {
  const candidates = program.includes('/') ? [program] : pathEnv.split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, program));
  for (const file of candidates) {
    try {
      await access(file, constants.X_OK);
      return file;
    } catch {
      // try the next directory
    }
  }
  throw new PiaError('agent_missing', `${program} is not installed on this machine (not found on PATH). ${hint}`);
}

/** The first of `programs` found on PATH (see {@link resolveProgram}); the error names the first. */
export async function resolveFirst(programs: string[], pathEnv: string, hint: string): Promise<string> {
  for (const program of programs) {
    try {
      return await resolveProgram(program, pathEnv, hint);
    } catch {
      // the next name
    }
  }
  return resolveProgram(programs[0]!, pathEnv, hint);
}

/** Variables never passed to an agent: the hub's, the worker's, chat and mail credentials. */
const secretPrefixes = ['PIA_', 'SLACK_', 'DISCORD_', 'IMAP_', 'SMTP_'];

/** The agent's environment: the worker's, less PIA's own and the chat and mail secrets, plus the task's identity. */
export function agentEnv(base: NodeJS.ProcessEnv, extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) {
    if (value === undefined) continue;
    if (secretPrefixes.some((p) => key.toUpperCase().startsWith(p))) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}
