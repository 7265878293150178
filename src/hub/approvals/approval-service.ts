import { PiaError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { ApprovalScope } from '../../protocol/approvals.js';
import type { WorkerMessageType } from '../../protocol/messages.js';
import { finalStates } from '../../protocol/tasks.js';
import type { EventBus } from '../events.js';
import type { Link } from '../link/link.js';
import type { WorkerMessageHandlers } from '../link/worker-messages.js';
import type { Actor } from '../machine-admin.js';
import type { AuditRecord } from '../registry/audit.js';
import type { Task } from '../tasks/task.js';
import type { Approval, ApprovalStore } from './approval-store.js';

/** A person's answer to an approval. */
export type Decision =
  | { decision: 'allow'; scope: ApprovalScope; answers?: Record<string, string> }
  | { decision: 'deny'; reason?: string };

/** Approvals on the hub: the workers' requests, people's answers (first one wins), time-outs, withdrawals. */
export interface ApprovalService {
  /** The workers' approval messages, as the link routing hands them over. */
  readonly messages: WorkerMessageHandlers['approvals'];
  /** Settles a pending approval with a person's answer; throws `approval_unknown` / `approval_settled` / `approval_invalid`. */
  decide(actor: Actor, id: string, decision: Decision): Approval;
  /** An approval by its code; `approval_unknown` otherwise. */
  get(id: string): Approval;
  list(q: { state?: Approval['state']; taskId?: string; machine?: string; limit?: number }): Approval[];
  /** How many of a task's approvals wait. */
  pendingCount(taskId: string): number;
  /** Settles the approvals whose time is up (also run every `sweepMs`). */
  sweep(): void;
  close(): void;
}

/** At most this many approvals of one task wait at once: a worker cannot bury a channel in prompts. */
const MAX_PENDING_PER_TASK = 50;

/** What the service needs of the rest of the hub. */
export interface ApprovalDeps {
  store: ApprovalStore;
  task(id: string): Task | undefined;
  /** The linked worker of a machine, if any. */
  linkOf(machine: string): Link | undefined;
  bus: Pick<EventBus, 'on' | 'emit'>;
  audit: { record(entry: AuditRecord): void };
  /** A message a machine may not act on: counted and logged at a bounded rate. */
  refused(link: Link, type: WorkerMessageType, reason: string, detail?: Record<string, unknown>): void;
  /** Every worker that links, for answers it has not applied yet. */
  onLinked(listener: (link: Link) => void): void;
  log: Logger;
  /** An approval nobody answers within this is denied (PIA_APPROVAL_TIMEOUT_S). */
  timeoutMs: number;
  sweepMs?: number;
  now?: () => Date;
}

const minutes = (ms: number) => (ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`);

/**
 * Creates the service. A request is recorded once per task and request id (a worker sends its waiting requests again
 * after every reconnect), shown through `approval.requested`, and settled once: the first answer, a time-out (a
 * deny, with that reason), or the agent withdrawing it. The answer goes to the worker, and again each time it links
 * until it says it was applied, so neither a cut link nor a hub restart loses it.
 */
export function createApprovalService(deps: ApprovalDeps): ApprovalService {
  const { store, bus, audit } = deps;
  const now = deps.now ?? (() => new Date());

  function send(a: Approval): void {
    if (a.state === 'pending' || a.state === 'withdrawn') return;
    const allowed = a.state === 'allowed';
    const message = allowed ? undefined : a.state === 'timed_out' ? `Nobody answered within ${minutes(deps.timeoutMs)}, so it was denied.` : `Denied by ${a.decidedBy}${a.reason ? `: ${a.reason}` : '.'}`;
    deps.linkOf(a.machine)?.send({
      type: 'approval.answer',
      taskId: a.taskId,
      requestId: a.requestId,
      decision: allowed ? 'allow' : 'deny',
      scope: a.scope ?? 'once',
      ...(message ? { message } : {}),
      ...(a.answers ? { answers: a.answers } : {}),
      by: a.decidedBy ?? 'hub',
    });
  }

  function settled(a: Approval): void {
    bus.emit('approval.settled', { approval: a });
    send(a);
  }

  /** Only the machine a task was given to may speak for its agent. */
  function ownTask(link: Link, type: WorkerMessageType, taskId: string): Task | undefined {
    const task = deps.task(taskId);
    if (!task || task.machine !== link.machine) {
      deps.refused(link, type, task ? 'not_owner' : 'unknown_task', { taskId });
      return undefined;
    }
    return task;
  }

  const messages: ApprovalService['messages'] = {
    requested(link, msg) {
      const task = ownTask(link, 'approval.requested', msg.taskId);
      if (!task) return;
      const known = store.byRequest(msg.taskId, msg.requestId);
      if (known) {
        // Sent again after a reconnect: already shown; if already answered, the answer goes again.
        if (known.appliedAt === null) send(known);
        return;
      }
      if (finalStates.has(task.state)) return deps.refused(link, 'approval.requested', 'task_finished', { taskId: task.id });
      if (store.pendingOf(task.id).length >= MAX_PENDING_PER_TASK) return deps.refused(link, 'approval.requested', 'too_many_pending', { taskId: task.id });
      const { approval, created } = store.insert(link.machine, msg, new Date(now().getTime() + deps.timeoutMs));
      if (created) bus.emit('approval.requested', { approval });
    },
    withdrawn(link, msg) {
      if (!ownTask(link, 'approval.withdrawn', msg.taskId)) return;
      const a = store.byRequest(msg.taskId, msg.requestId);
      const done = a && store.settle(a.id, { state: 'withdrawn', reason: msg.reason, by: link.machine });
      if (done) bus.emit('approval.settled', { approval: done });
    },
    applied(link, msg) {
      if (ownTask(link, 'approval.applied', msg.taskId)) store.markApplied(msg.taskId, msg.requestId);
    },
  };

  function get(id: string): Approval {
    const a = store.get(id.trim().toLowerCase());
    if (!a) throw new PiaError('approval_unknown', `No approval "${id.slice(0, 40)}". List the ones waiting with: pia approvals`);
    return a;
  }

  function alreadySettled(a: Approval): PiaError {
    const how = a.state === 'timed_out' ? 'timed out' : a.state === 'withdrawn' ? `withdrawn (${a.reason ?? 'no longer needed'})` : `${a.state} by ${a.decidedBy}`;
    return new PiaError('approval_settled', `Approval ${a.id} was already ${how} at ${a.decidedAt ?? '?'}; nothing changed.`);
  }

  function decide(actor: Actor, id: string, d: Decision): Approval {
    const a = get(id);
    if (a.state !== 'pending') throw alreadySettled(a);
    if (d.decision === 'allow' && d.scope === 'always' && !a.canAlways) {
      throw new PiaError('approval_invalid', `The agent offered no rule to keep for approval ${a.id}; allow it once or for this task.`);
    }
    if (d.decision === 'allow' && a.kind === 'question' && (!d.answers || Object.keys(d.answers).length === 0)) {
      throw new PiaError('approval_invalid', `Approval ${a.id} is a question: answer it with a choice, e.g. answer ${a.id} 1`);
    }
    const done = store.settle(
      a.id,
      d.decision === 'allow'
        ? { state: 'allowed', scope: d.scope, ...(d.answers ? { answers: d.answers } : {}), by: actor.id }
        : { state: 'denied', ...(d.reason ? { reason: d.reason.slice(0, 1000) } : {}), by: actor.id },
    );
    // Another answer got there first, between the read above and this update.
    if (!done) throw alreadySettled(get(a.id));
    audit.record({
      actor: actor.id,
      origin: actor.origin,
      action: d.decision === 'allow' ? 'approval.allow' : 'approval.deny',
      target: `${a.machine}/${a.taskId}/${a.id}`,
      outcome: 'ok',
      detail: `${a.tool} ${a.summary}`.slice(0, 200) + (d.decision === 'allow' ? ` (${d.scope})` : d.reason ? ` (${d.reason.slice(0, 100)})` : ''),
    });
    settled(done);
    return done;
  }

  function sweep(): void {
    for (const a of store.expired(now())) {
      const done = store.settle(a.id, { state: 'timed_out', reason: `nobody answered within ${minutes(deps.timeoutMs)}`, by: 'hub' });
      if (!done) continue;
      audit.record({ actor: 'hub', origin: 'hub', action: 'approval.timeout', target: `${a.machine}/${a.taskId}/${a.id}`, outcome: 'ok', detail: `${a.tool} ${a.summary}`.slice(0, 200) });
      settled(done);
    }
  }

  // A task that ended waits for nothing: its approvals are withdrawn, and every copy says so.
  bus.on('task.finished', ({ task }) => {
    for (const a of store.pendingOf(task.id)) {
      const done = store.settle(a.id, { state: 'withdrawn', reason: `the task ${task.state.replace('_', ' ')}`, by: 'hub' });
      if (done) bus.emit('approval.settled', { approval: done });
    }
  });
  deps.onLinked((link) => {
    for (const a of store.unapplied(link.machine)) send(a);
  });

  const sweeper = setInterval(() => {
    try {
      sweep();
    } catch (err) {
      deps.log.error({ err }, 'approval time-out sweep failed');
    }
  }, deps.sweepMs ?? Math.min(1000, Math.max(50, deps.timeoutMs / 4)));
  sweeper.unref();

  return {
    messages,
    decide,
    get,
    list: (q) => store.list(q),
    pendingCount: (taskId) => store.pendingOf(taskId).length,
    sweep,
    close: () => clearInterval(sweeper),
  };
}
