import { randomBytes } from 'node:crypto';
import type { Db } from '../db/database.js';
import type { Origin, TaskMode, TaskState } from '../../protocol/tasks.js';
import { WorktreeResult } from '../../protocol/worktree.js';
import type { NewTask, Task, TaskEnd } from './task.js';

interface TaskRow {
  id: string;
  machine_name: string;
  kind: Task['kind'];
  state: TaskState;
  prompt: string | null;
  agent: string | null;
  argv: string | null;
  repo_url: string | null;
  repo_ref: string | null;
  workspace: string | null;
  workspace_path: string | null;
  parent_id: string | null;
  deploy_id: string | null;
  resume_session: string | null;
  session_id: string | null;
  mode: TaskMode | null;
  push: number;
  worktree_of: string | null;
  worktree: string | null;
  requester: string;
  origin: string;
  timeout_s: number;
  created_at: string;
  expires_at: string | null;
  dispatched_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  exit_code: number | null;
  error: string | null;
  summary: string | null;
  cost_usd: number | null;
  cancel_requested_by: string | null;
  cancelled_by: string | null;
  output_seq: number;
  output_bytes: number;
  output_pruned_at: string | null;
}

function rowToTask(r: TaskRow): Task {
  return {
    id: r.id,
    machine: r.machine_name,
    kind: r.kind,
    state: r.state,
    prompt: r.prompt,
    agent: r.agent,
    argv: r.argv ? (JSON.parse(r.argv) as string[]) : null,
    repo: r.repo_url ? { url: r.repo_url, ref: r.repo_ref } : null,
    workspace: r.workspace,
    workspacePath: r.workspace_path,
    parentId: r.parent_id,
    deployId: r.deploy_id,
    resumeSession: r.resume_session,
    sessionId: r.session_id,
    mode: r.mode,
    push: r.push === 1,
    worktreeOf: r.worktree_of,
    worktree: r.worktree ? worktreeOf(r.worktree) : null,
    requester: r.requester,
    origin: JSON.parse(r.origin) as Origin,
    timeoutS: r.timeout_s,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    dispatchedAt: r.dispatched_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    exitCode: r.exit_code,
    error: r.error,
    summary: r.summary,
    costUsd: r.cost_usd,
    cancelRequestedBy: r.cancel_requested_by,
    cancelledBy: r.cancelled_by,
    outputSeq: r.output_seq,
    outputBytes: r.output_bytes,
    outputPrunedAt: r.output_pruned_at,
  };
}

/** A stored worktree result; one that no longer reads as one (an older shape) is left out rather than failing the task. */
function worktreeOf(json: string): WorktreeResult | null {
  try {
    const parsed = WorktreeResult.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789'; // no 0/o, 1/l: ids are read aloud and typed in chat

/** A new task id: 10 characters, 50 bits of randomness. */
export function newTaskId(): string {
  const bytes = randomBytes(10);
  let id = '';
  for (const b of bytes) id += alphabet[b % alphabet.length];
  return id;
}

/** Filters for listing tasks. */
export interface TaskQuery {
  machine?: string;
  state?: TaskState;
  deployId?: string;
  limit?: number;
}

/** The tasks table. */
export interface TaskStore {
  /** Inserts new tasks (one transaction for a whole fan-out); all start queued. */
  insert(tasks: NewTask[]): void;
  get(id: string): Task | undefined;
  /** The task a request with this key created, if any. */
  byKey(key: string): Task | undefined;
  /** Every task a request with this key created: the key itself and `<key>:<part>` (one per machine). */
  byKeyFamily(key: string): Task[];
  list(q?: TaskQuery): Task[];
  /** Queued tasks of a machine, oldest first. */
  queued(machineId: number): Task[];
  /** Dispatched and running tasks of a machine. */
  active(machineId: number): Task[];
  /** Queued tasks whose expiry has passed. */
  expired(at?: Date): Task[];
  markDispatched(id: string): boolean;
  markRunning(id: string, workspace: string, at: number): boolean;
  /** Back to the queue: the worker never received it. */
  requeue(id: string): boolean;
  /** Records the end of a task once; later reports of the same end change nothing. */
  finish(id: string, end: TaskEnd, at?: Date): boolean;
  requestCancel(id: string, by: string): void;
  setSession(id: string, sessionId: string): void;
}

/** Creates the task store over an open, migrated database. */
export function createTaskStore(db: Db, now: () => Date = () => new Date()): TaskStore {
  const insert = db.prepare(`INSERT INTO tasks (id, machine_id, machine_name, kind, state, prompt, agent, argv, repo_url, repo_ref,
      workspace, parent_id, deploy_id, resume_session, mode, requester, origin, timeout_s, created_at, expires_at, request_key,
      push, worktree_of)
    VALUES (@id, @machineId, @machine, @kind, 'queued', @prompt, @agent, @argv, @repoUrl, @repoRef, @workspace, @parentId,
      @deployId, @resumeSession, @mode, @requester, @origin, @timeoutS, @createdAt, @expiresAt, @requestKey, @push, @worktreeOf)`);
  const byKey = db.prepare<[string], TaskRow>('SELECT * FROM tasks WHERE request_key = ?');
  // `<key>:...` sorts from `<key>:` up to `<key>;` (the next character): a range on the request key index.
  const byKeyFamily = db.prepare<[string, string, string], TaskRow>('SELECT * FROM tasks WHERE request_key = ? OR (request_key >= ? AND request_key < ?) ORDER BY created_at, id');
  const byId = db.prepare<[string], TaskRow>('SELECT * FROM tasks WHERE id = ?');
  const queuedFor = db.prepare<[number], TaskRow>(
    "SELECT * FROM tasks WHERE machine_id = ? AND state = 'queued' ORDER BY created_at, rowid",
  );
  const activeFor = db.prepare<[number], TaskRow>(
    "SELECT * FROM tasks WHERE machine_id = ? AND state IN ('dispatched', 'running') ORDER BY created_at, rowid",
  );
  const expired = db.prepare<[string], TaskRow>("SELECT * FROM tasks WHERE state = 'queued' AND expires_at IS NOT NULL AND expires_at <= ?");
  const setDispatched = db.prepare("UPDATE tasks SET state = 'dispatched', dispatched_at = ? WHERE id = ? AND state = 'queued'");
  const setRunning = db.prepare(
    "UPDATE tasks SET state = 'running', started_at = coalesce(started_at, @at), workspace_path = @workspace WHERE id = @id AND state IN ('dispatched', 'running')",
  );
  const setRequeued = db.prepare("UPDATE tasks SET state = 'queued', dispatched_at = NULL WHERE id = ? AND state = 'dispatched'");
  const setFinished = db.prepare(`UPDATE tasks SET state = @state, finished_at = @at, exit_code = @exitCode, error = @error,
      session_id = coalesce(@sessionId, session_id), agent = coalesce(agent, @agent), summary = @summary, cost_usd = @costUsd, cancelled_by = @cancelledBy,
      worktree = coalesce(@worktree, worktree)
      WHERE id = @id AND state NOT IN ('succeeded', 'failed', 'cancelled', 'timed_out', 'lost')`);
  const setCancelRequested = db.prepare('UPDATE tasks SET cancel_requested_by = ? WHERE id = ?');
  const setSession = db.prepare('UPDATE tasks SET session_id = ? WHERE id = ?');

  return {
    /** Inserts new tasks (one transaction for a whole fan-out); all start queued. */
    insert: db.transaction((tasks: NewTask[]) => {
      const at = now().toISOString();
      for (const t of tasks) {
        insert.run({
          id: t.id,
          machineId: t.machineId,
          machine: t.machine,
          kind: t.kind,
          prompt: t.prompt ?? null,
          agent: t.agent ?? null,
          argv: t.argv ? JSON.stringify(t.argv) : null,
          repoUrl: t.repo?.url ?? null,
          repoRef: t.repo?.ref ?? null,
          workspace: t.workspace ?? null,
          parentId: t.parentId ?? null,
          deployId: t.deployId ?? null,
          resumeSession: t.resumeSession ?? null,
          mode: t.mode ?? null,
          requester: t.requester,
          origin: JSON.stringify(t.origin),
          requestKey: t.requestKey ?? null,
          push: t.push ? 1 : 0,
          worktreeOf: t.worktreeOf ?? null,
          timeoutS: t.timeoutS,
          createdAt: at,
          expiresAt: t.expiresAt,
        });
      }
    }),

    get(id: string): Task | undefined {
      const row = byId.get(id);
      return row ? rowToTask(row) : undefined;
    },

    byKey(key: string): Task | undefined {
      const row = byKey.get(key);
      return row ? rowToTask(row) : undefined;
    },

    byKeyFamily(key: string): Task[] {
      return byKeyFamily.all(key, `${key}:`, `${key};`).map(rowToTask);
    },

    list(q: TaskQuery = {}): Task[] {
      const where: string[] = [];
      const args: Record<string, unknown> = { limit: Math.min(Math.max(q.limit ?? 50, 1), 1000) };
      if (q.machine) {
        where.push('machine_name = @machine');
        args.machine = q.machine;
      }
      if (q.state) {
        where.push('state = @state');
        args.state = q.state;
      }
      if (q.deployId) {
        where.push('deploy_id = @deployId');
        args.deployId = q.deployId;
      }
      const sql = `SELECT * FROM tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, rowid DESC LIMIT @limit`;
      return db.prepare<[Record<string, unknown>], TaskRow>(sql).all(args).map(rowToTask);
    },

    /** Queued tasks of a machine, oldest first. */
    queued(machineId: number): Task[] {
      return queuedFor.all(machineId).map(rowToTask);
    },

    /** Dispatched and running tasks of a machine. */
    active(machineId: number): Task[] {
      return activeFor.all(machineId).map(rowToTask);
    },

    /** Queued tasks whose expiry has passed. */
    expired(at: Date = now()): Task[] {
      return expired.all(at.toISOString()).map(rowToTask);
    },

    markDispatched(id: string): boolean {
      return setDispatched.run(now().toISOString(), id).changes > 0;
    },

    markRunning(id: string, workspace: string, at: number): boolean {
      return setRunning.run({ id, workspace, at: new Date(at).toISOString() }).changes > 0;
    },

    /** Back to the queue: the worker never received it. */
    requeue(id: string): boolean {
      return setRequeued.run(id).changes > 0;
    },

    /** Records the end of a task once; later reports of the same end change nothing. */
    finish(id: string, end: TaskEnd, at: Date = now()): boolean {
      return (
        setFinished.run({
          id,
          at: at.toISOString(),
          state: end.state,
          exitCode: end.exitCode,
          error: end.error ?? null,
          sessionId: end.sessionId ?? null,
          agent: end.agent ?? null,
          summary: end.summary ?? null,
          costUsd: end.costUsd ?? null,
          cancelledBy: end.cancelledBy ?? null,
          worktree: end.worktree ? JSON.stringify(end.worktree) : null,
        }).changes > 0
      );
    },

    requestCancel(id: string, by: string): void {
      setCancelRequested.run(by, id);
    },

    setSession(id: string, sessionId: string): void {
      setSession.run(sessionId, id);
    },
  };
}

/** Chunks of a task's output from `fromSeq` on (stored in blocks: see output-store.ts). */
export { readOutput } from './output-store.js';
