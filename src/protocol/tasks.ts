import { z } from 'zod';
import { WorktreeResult } from './worktree.js';
import { AgentEvent } from './agent-events.js';

/** Task ids: short, lowercase, easy to type in chat (`logs k3x9q2mf`). */
export const TaskId = z.string().regex(/^[a-z0-9]{8,32}$/, 'a task id is 8-32 of a-z and 0-9');
export type TaskId = z.infer<typeof TaskId>;

export const taskKinds = ['run', 'deploy', 'shell'] as const;
export type TaskKind = (typeof taskKinds)[number];

/**
 * How much a task's agent may do without asking: `plan` (read and plan only), `ask` (ask before anything that
 * changes the machine), `edits` (edit files in the workspace without asking, ask for the rest), `full` (never ask;
 * admins only, on machines that allow it).
 */
export const taskModes = ['plan', 'ask', 'edits', 'full'] as const;
export const TaskMode = z.enum(taskModes);
export type TaskMode = z.infer<typeof TaskMode>;

export const taskStates = ['queued', 'dispatched', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out', 'lost'] as const;
export type TaskState = (typeof taskStates)[number];

/** States a task never leaves. */
export const finalStates: ReadonlySet<TaskState> = new Set(['succeeded', 'failed', 'cancelled', 'timed_out', 'lost']);
export const FinalState = z.enum(['succeeded', 'failed', 'cancelled', 'timed_out', 'lost']);
export type FinalState = z.infer<typeof FinalState>;

/** Where a task was asked, and so where its progress goes. */
export const Origin = z.object({
  /** `cli`, `http`, `slack`, `discord`, `mail`, `console`, `worker` */
  kind: z.string().max(32),
  /** Channel, thread, mail Message-ID...: opaque to the hub, meaningful to the front end that made it. */
  ref: z.string().max(1024).optional(),
});
export type Origin = z.infer<typeof Origin>;

/** Everything a worker needs to run a task. */
export const TaskSpec = z.object({
  id: TaskId,
  kind: z.enum(taskKinds),
  machine: z.string(),
  prompt: z.string().max(100_000).optional(),
  agent: z.string().max(64).optional(),
  argv: z.array(z.string().max(32_768)).max(1024).optional(),
  repo: z.object({ url: z.string().max(2048), ref: z.string().max(255).optional() }).optional(),
  /** Workspace folder name under the worker's workspace root (deploys: the repo's name; follow-ups: the parent's). */
  workspace: z.string().max(255).optional(),
  /** Continue this agent session (a follow-up). */
  resumeSession: z.string().max(256).optional(),
  /** How much the agent may do without asking (absent: ask). */
  mode: TaskMode.optional(),
  /** Push the task's branch when it succeeds (and open a pull request where `gh` can). */
  push: z.boolean().optional(),
  /** Work in this earlier task's worktree, on its branch (a follow-up), instead of a new one. */
  worktreeOf: TaskId.optional(),
  requester: z.string().max(256),
  origin: Origin,
  timeoutS: z.number().positive(),
  hub: z.string().max(2048),
});
export type TaskSpec = z.infer<typeof TaskSpec>;

/** Output streams. `event` chunks carry JSON progress (steps, agent tool use, result). */
export const OutputStream = z.enum(['stdout', 'stderr', 'event']);
export type OutputStream = z.infer<typeof OutputStream>;

/**
 * A progress event inside an `event` chunk: the worker's own steps, and the agent's events (one model for every
 * agent, see agent-events.ts).
 */
export const ProgressEvent = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('step'), step: z.enum(['cloning', 'fetching', 'checked_out', 'worktree', 'agent_started', 'committed', 'pushed', 'finished']), message: z.string().max(4096) }),
  ...AgentEvent.options,
]);
export type ProgressEvent = z.infer<typeof ProgressEvent>;

/**
 * One numbered piece of a task's output, as protocol 1 sent it in JSON (`task.output`). Output now travels in binary
 * frames (output-frame.ts) with the same fields; this shape remains for reading a spool an older worker left.
 */
export const OutputChunk = z.object({
  taskId: TaskId,
  /** 1, 2, 3... per task, across all streams. */
  seq: z.number().int().positive(),
  /** Byte offset of this chunk in the task's whole output. */
  offset: z.number().int().nonnegative(),
  stream: OutputStream,
  data: z.string().max(1024 * 1024),
  /** When the worker read it (epoch ms): latency is measured from here. */
  at: z.number().int().nonnegative(),
});
export type OutputChunk = z.infer<typeof OutputChunk>;

/** How a task ended, as the worker reports it. */
export const TaskOutcome = z.object({
  taskId: TaskId,
  state: FinalState,
  exitCode: z.number().int().nullable(),
  error: z.string().max(4096).optional(),
  sessionId: z.string().max(256).optional(),
  /** The agent that ran (the worker's default when the task named none): a follow-up continues with it. */
  agent: z.string().max(64).optional(),
  summary: z.string().max(100_000).optional(),
  costUsd: z.number().nonnegative().optional(),
  cancelledBy: z.string().max(256).optional(),
  /** The task's branch in its own worktree (tasks in a repository). */
  worktree: WorktreeResult.optional(),
  /** The last output seq: the hub finalises only when it has stored every chunk up to it. */
  lastSeq: z.number().int().nonnegative(),
  finishedAt: z.number().int().nonnegative(),
});
export type TaskOutcome = z.infer<typeof TaskOutcome>;

/** What a worker's ledger says about a task, in its hello. */
export const LedgerEntry = z.object({
  taskId: TaskId,
  state: z.enum(['running', 'finished']),
});
export type LedgerEntry = z.infer<typeof LedgerEntry>;
