import type { AgentEvent } from '../../protocol/agent-events.js';
import type { TaskMode } from '../../protocol/tasks.js';
import type { Refusals } from '../tasks/claude-stream.js';

/** What a run's argv is made of. */
export interface RunInput {
  /** The program, resolved on PATH. */
  program: string;
  prompt: string;
  mode: TaskMode;
  /** The session to continue (a follow-up); absent for a new run. */
  session?: string;
  taskId: string;
}

/** What a parser knows of its run. */
export interface ParserContext {
  /** The agent's name as PIA knows it (`codex`). */
  agent: string;
  taskId: string;
  /** The session a follow-up continues. */
  resumeSession?: string;
  /** Refused tool uses of the task, reported once each (see claude-stream.ts). */
  refusals?: Refusals;
}

/** Turns an agent's stdout, one line at a time, into events. Never throws: what it cannot read is text. */
export interface AgentParser {
  line(raw: string): AgentEvent[];
  /** The process's output ended: what the agent never said (a result) is said here. */
  end(): AgentEvent[];
}

/**
 * One coding-agent CLI: how to start a run and continue one, its flags for each task mode, and the parser of its
 * output. Modes the agent cannot honour are absent from `modes` (`ask` on an agent that cannot ask a person).
 */
export interface AgentAdapter {
  name: string;
  /** The task modes it runs in; the flags come from `argv`. */
  modes: readonly TaskMode[];
  argv(run: RunInput): string[];
  /** Variables the agent needs beyond the task's environment (a trust switch, a permission set). */
  env?(run: RunInput): Record<string, string>;
  /** The session id a new run will have when the agent has none of its own (Aider: its chat history file). */
  newSession?(taskId: string): string;
  parser(ctx: ParserContext): AgentParser;
}
