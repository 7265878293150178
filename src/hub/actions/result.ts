import type { Role } from '../../commands/roles.js';
import type { ErrorCode } from '../../common/errors.js';
import type { PowerReading } from '../../power/prober.js';
import type { PowerOperation } from '../../power/operations.js';
import type { Finding } from '../../power/doctor.js';
import type { MachineJson } from '../http/machine-json.js';
import type { Task } from '../tasks/task.js';
import type { ScheduleView } from '../../protocol/api.js';
import type { Approval } from '../approvals/approval-store.js';

/** What an action produced, for a front end to render (the reporter, the mail gateway, the console). */
export type ActionResult =
  | { kind: 'text'; text: string }
  | { kind: 'refused'; text: string }
  /** A request that could not be done: its error code (see common/errors), the words, and the usage when it was misread. */
  | { kind: 'error'; code: ErrorCode; text: string; usage?: string }
  /** The fleet at a glance: counts over all machines, and the first machines by name (offline ones first). */
  | { kind: 'fleet'; total: number; online: number; machines: MachineJson[] }
  | { kind: 'machine'; machine: MachineJson; findings?: Finding[] }
  | { kind: 'power'; readings: PowerReading[] }
  | { kind: 'operations'; operations: PowerOperation[] }
  /** Tasks created; `placement` says in one line why `any[...]` chose these machines. */
  | { kind: 'tasks_started'; tasks: Task[]; placement?: string }
  | { kind: 'tasks'; tasks: Task[] }
  | { kind: 'logs'; task: Task; text: string }
  | { kind: 'task'; task: Task }
  | { kind: 'power_commands'; results: Array<{ machine: string; ok: boolean; message: string }> }
  | { kind: 'confirm'; text: string; token: string }
  | { kind: 'schedules'; schedules: ScheduleView[] }
  /** A schedule added, paused or resumed: what happened, and the schedule with its next run. */
  | { kind: 'schedule'; text: string; schedule: ScheduleView }
  | { kind: 'approvals'; approvals: Approval[] }
  /** An approval this request settled. */
  | { kind: 'approval'; approval: Approval }
  /** A one-time sign-in link to the web dashboard. */
  | { kind: 'link'; url: string; expiresAt: string; identity: string; role: Role };

/** The answer to a command line that could not be read: the parser's words and the usage, as a `usage` error. */
export function notUnderstood(parsed: { error: string; usage?: string }): ActionResult {
  return { kind: 'error', code: 'usage', text: parsed.error, ...(parsed.usage ? { usage: parsed.usage } : {}) };
}
