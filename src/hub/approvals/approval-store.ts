import { randomBytes } from 'node:crypto';
import type { ApprovalQuestion, ApprovalRequested, ApprovalScope } from '../../protocol/approvals.js';
import type { ApprovalView } from '../../protocol/api.js';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/database.js';

/** An approval as the hub keeps and shows it. */
export type Approval = ApprovalView;

interface Row {
  id: string;
  task_id: string;
  machine_name: string;
  request_id: string;
  kind: Approval['kind'];
  tool: string;
  summary: string;
  detail: string | null;
  questions: string | null;
  can_always: number;
  state: Approval['state'];
  scope: ApprovalScope | null;
  answers: string | null;
  reason: string | null;
  decided_by: string | null;
  created_at: string;
  expires_at: string;
  decided_at: string | null;
  applied_at: string | null;
}

function toApproval(r: Row): Approval {
  return {
    id: r.id,
    taskId: r.task_id,
    machine: r.machine_name,
    requestId: r.request_id,
    kind: r.kind,
    tool: r.tool,
    summary: r.summary,
    detail: r.detail,
    questions: r.questions ? (JSON.parse(r.questions) as ApprovalQuestion[]) : null,
    canAlways: r.can_always === 1,
    state: r.state,
    scope: r.scope,
    answers: r.answers ? (JSON.parse(r.answers) as Record<string, string>) : null,
    reason: r.reason,
    decidedBy: r.decided_by,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    decidedAt: r.decided_at,
    appliedAt: r.applied_at,
  };
}

// No 0/o, 1/l: a code is read in a thread and typed in a mail reply.
const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';

/** A new approval code: 6 characters, 30 bits. */
export function newApprovalId(): string {
  let id = '';
  for (const b of randomBytes(6)) id += alphabet[b % alphabet.length];
  return id;
}

/** How an approval was settled. */
export interface Settlement {
  state: Exclude<Approval['state'], 'pending'>;
  scope?: ApprovalScope;
  answers?: Record<string, string>;
  reason?: string;
  by: string;
}

/** The approvals table. */
export interface ApprovalStore {
  /** Records a request once: the same task and request id again returns the approval it made (`created` false). */
  insert(machine: string, request: ApprovalRequested, expiresAt: Date): { approval: Approval; created: boolean };
  get(id: string): Approval | undefined;
  byRequest(taskId: string, requestId: string): Approval | undefined;
  /**
   * Settles a pending approval; only the first call for it changes anything (`UPDATE ... WHERE state = 'pending'`,
   * so two answers racing cannot both win). Returns the settled approval, or undefined when it was not pending.
   */
  settle(id: string, how: Settlement): Approval | undefined;
  markApplied(taskId: string, requestId: string): void;
  list(q: { state?: Approval['state']; taskId?: string; machine?: string; limit?: number }): Approval[];
  /** Pending approvals whose time is up. */
  expired(now: Date): Approval[];
  /** Pending approvals of a task. */
  pendingOf(taskId: string): Approval[];
  /** Settled, not yet applied answers for a machine's tasks (to send again when its worker links). */
  unapplied(machine: string): Approval[];
}

/** Creates the store over an open, migrated database. */
export function createApprovalStore(db: Db, now: () => Date = () => new Date()): ApprovalStore {
  const insert = db.prepare(`INSERT INTO approvals (id, task_id, machine_name, request_id, kind, tool, summary, detail, questions,
      can_always, state, created_at, expires_at)
    VALUES (@id, @taskId, @machine, @requestId, @kind, @tool, @summary, @detail, @questions, @canAlways, 'pending', @createdAt, @expiresAt)
    ON CONFLICT (task_id, request_id) DO NOTHING`);
  const byId = db.prepare<[string], Row>('SELECT * FROM approvals WHERE id = ?');
  const byRequest = db.prepare<[string, string], Row>('SELECT * FROM approvals WHERE task_id = ? AND request_id = ?');
  const settle = db.prepare(`UPDATE approvals SET state = @state, scope = @scope, answers = @answers, reason = @reason,
      decided_by = @by, decided_at = @at WHERE id = @id AND state = 'pending'`);
  const applied = db.prepare('UPDATE approvals SET applied_at = ? WHERE task_id = ? AND request_id = ? AND applied_at IS NULL');
  const expired = db.prepare<[string], Row>("SELECT * FROM approvals WHERE state = 'pending' AND expires_at <= ? ORDER BY expires_at LIMIT 500");
  const pendingOf = db.prepare<[string], Row>("SELECT * FROM approvals WHERE task_id = ? AND state = 'pending' ORDER BY created_at, rowid");
  const unapplied = db.prepare<[string], Row>(
    `SELECT a.* FROM approvals a JOIN tasks t ON t.id = a.task_id
      WHERE a.machine_name = ? AND a.state IN ('allowed', 'denied', 'timed_out') AND a.applied_at IS NULL
        AND t.state IN ('dispatched', 'running') ORDER BY a.created_at`,
  );

  const listStatements = new Map<string, Statement<[Record<string, unknown>], Row>>();

  return {
    insert(machine, request, expiresAt) {
      for (let attempt = 0; ; attempt++) {
        const id = newApprovalId();
        try {
          const changes = insert.run({
            id,
            taskId: request.taskId,
            machine,
            requestId: request.requestId,
            kind: request.kind,
            tool: request.tool,
            summary: request.summary,
            detail: request.detail ?? null,
            questions: request.questions ? JSON.stringify(request.questions) : null,
            canAlways: request.canAlways ? 1 : 0,
            createdAt: now().toISOString(),
            expiresAt: expiresAt.toISOString(),
          }).changes;
          const row = byRequest.get(request.taskId, request.requestId)!;
          return { approval: toApproval(row), created: changes > 0 };
        } catch (err) {
          // A code already taken (30 bits, so rarely): draw another.
          if ((err as { code?: string }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY' || attempt > 5) throw err;
        }
      }
    },
    get(id) {
      const row = byId.get(id);
      return row ? toApproval(row) : undefined;
    },
    byRequest(taskId, requestId) {
      const row = byRequest.get(taskId, requestId);
      return row ? toApproval(row) : undefined;
    },
    settle(id, how) {
      const changed = settle.run({
        id,
        state: how.state,
        scope: how.scope ?? null,
        answers: how.answers ? JSON.stringify(how.answers) : null,
        reason: how.reason ?? null,
        by: how.by,
        at: now().toISOString(),
      }).changes;
      return changed > 0 ? toApproval(byId.get(id)!) : undefined;
    },
    markApplied(taskId, requestId) {
      applied.run(now().toISOString(), taskId, requestId);
    },
    list(q) {
      const where: string[] = [];
      const args: Record<string, unknown> = { limit: Math.min(Math.max(q.limit ?? 50, 1), 1000) };
      if (q.state) {
        where.push('state = @state');
        args.state = q.state;
      }
      if (q.taskId) {
        where.push('task_id = @taskId');
        args.taskId = q.taskId;
      }
      if (q.machine) {
        where.push('machine_name = @machine');
        args.machine = q.machine;
      }
      const sql = `SELECT * FROM approvals ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, rowid DESC LIMIT @limit`;
      // Eight shapes of query at most: each is prepared once (a chat thread asks for its task's on every watch).
      let statement = listStatements.get(sql);
      if (!statement) listStatements.set(sql, (statement = db.prepare<[Record<string, unknown>], Row>(sql)));
      return statement.all(args).map(toApproval);
    },
    expired: (at) => expired.all(at.toISOString()).map(toApproval),
    pendingOf: (taskId) => pendingOf.all(taskId).map(toApproval),
    unapplied: (machine) => unapplied.all(machine).map(toApproval),
  };
}
