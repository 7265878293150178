import type { FinalState, Origin, TaskKind, TaskState } from '../../protocol/tasks.js';

/** A task as the hub stores and shows it (API, events, CLI, chat). */
export interface Task {
  id: string;
  machine: string;
  kind: TaskKind;
  state: TaskState;
  prompt: string | null;
  agent: string | null;
  argv: string[] | null;
  repo: { url: string; ref: string | null } | null;
  workspace: string | null;
  workspacePath: string | null;
  parentId: string | null;
  deployId: string | null;
  resumeSession: string | null;
  sessionId: string | null;
  requester: string;
  origin: Origin;
  timeoutS: number;
  createdAt: string;
  expiresAt: string | null;
  dispatchedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  exitCode: number | null;
  error: string | null;
  summary: string | null;
  costUsd: number | null;
  cancelRequestedBy: string | null;
  cancelledBy: string | null;
  outputSeq: number;
  outputBytes: number;
}

/** A stored output chunk. */
export interface StoredChunk {
  seq: number;
  offset: number;
  stream: 'stdout' | 'stderr' | 'event';
  data: string;
  at: number;
}

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
  summary?: string | null;
  costUsd?: number | null;
  cancelledBy?: string | null;
}
