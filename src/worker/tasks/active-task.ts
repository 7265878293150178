import type { ProgressEvent, TaskSpec } from '../../protocol/tasks.js';
import type { WorktreeResult } from '../../protocol/worktree.js';
import type { AgentParser } from '../agents/adapter.js';
import type { ClaudeSession } from './claude-session.js';
import type { Refusals } from './claude-stream.js';
import type { FlowTask } from './flow-control.js';
import type { LedgerRecord } from './ledger.js';
import type { RunningProcess } from './process-runner.js';
import type { TaskSpool } from './spool.js';

/** A task this worker accepted and has not been told to forget: its spool, its process, where its output stands. */
export interface ActiveTask {
  spec: TaskSpec;
  record: LedgerRecord;
  spool: TaskSpool;
  /** The last seq sent to the hub on this link. */
  sentSeq: number;
  outcomeSent: boolean;
  /** Bytes of output so far (each chunk's offset). */
  offset: number;
  pendingStream: 'stdout' | 'stderr' | 'event' | undefined;
  pendingData: string;
  flushTimer: NodeJS.Timeout | undefined;
  process?: RunningProcess;
  /** The task as flow control sees it. */
  flow: FlowTask;
  /** The task's whole run, until its outcome is recorded in the ledger. */
  running?: Promise<void>;
  abort: AbortController;
  /** The task's secret for the agent socket (PIA_TASK_TOKEN): proves a request comes from this task's agent. */
  token: string;
  cancelledBy?: string;
  stopReason?: 'cancelled' | 'timed_out';
  deadline?: NodeJS.Timeout;
  sessionId?: string;
  /** The agent that runs it (for its outcome: a follow-up continues with the same one). */
  agentName?: string;
  /** Reads the agent's output into events, while it runs. */
  parser?: AgentParser;
  /** The run's cost so far, from the agent's usage reports. */
  costUsd?: number;
  result?: Extract<ProgressEvent, { kind: 'result' }>;
  /** The agent's control protocol, while its process runs (Claude Code over stdin/stdout). */
  session?: ClaudeSession;
  /** Tools the agent was refused, for its final message. */
  refusals?: Refusals;
  /** The task's branch at its end (tasks in a repository). */
  worktree?: WorktreeResult;
  /** After an interrupt, the signals that follow if the agent does not stop by itself. */
  stopFallback?: NodeJS.Timeout;
}
