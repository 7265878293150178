import type { ChunkView, TaskView } from '../../protocol/api.js';
import type { FinalState, Origin, TaskKind, TaskMode } from '../../protocol/tasks.js';
import type { WorktreeResult } from '../../protocol/worktree.js';

/** A task as the hub stores and shows it (API, events, CLI, chat): the API's own shape. */
export type Task = TaskView;

/** A stored output chunk. */
export type StoredChunk = ChunkView;

/** What a new task needs. */
export interface NewTask {
  id: string;
  machineId: number;
  machine: string;
  kind: TaskKind;
  prompt?: string;
  agent?: string;
  argv?: string[];
  repo?: { url: string; ref?: string };
  workspace?: string;
  parentId?: string;
  deployId?: string;
  resumeSession?: string;
  mode?: TaskMode;
  /** Push the branch when the task succeeds. */
  push?: boolean;
  /** A follow-up works in this task's worktree. */
  worktreeOf?: string;
  requester: string;
  origin: Origin;
  timeoutS: number;
  expiresAt: string | null;
  /** The caller's key for the request that made it (see ExecuteOptions.idempotencyKey). */
  requestKey?: string;
}

/** How a task ended, as the hub records it. */
export interface TaskEnd {
  state: FinalState;
  exitCode: number | null;
  error?: string | null;
  sessionId?: string | null;
  /** The agent that ran it, when the task named none (the worker's default). */
  agent?: string | null;
  summary?: string | null;
  costUsd?: number | null;
  cancelledBy?: string | null;
  worktree?: WorktreeResult | null;
}
