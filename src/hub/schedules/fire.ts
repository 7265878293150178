import type { Command } from '../../commands/command.js';
import { parseCommand } from '../../commands/parse.js';
import type { Logger } from '../../common/logger.js';
import type { ExecuteOptions, Requester } from '../actions/actions.js';
import type { ActionResult } from '../actions/result.js';
import type { AuditRecord } from '../registry/audit.js';
import type { FireResult } from './scheduler.js';
import type { Schedule } from './schedule-store.js';

/** A schedule's result on its way to the channel or address it names. */
export interface ScheduleReport {
  /** `slack:C123`, `discord:1234`, `console:console`, `mail:ada@example.com`. */
  report: string;
  schedule: Schedule;
  /** One line: which schedule, for which due time, as whom. */
  heading: string;
  result: ActionResult;
}

/** Sends a schedule's result where it asked (implemented by the composition root: chat, mail). */
export type DeliverReport = (report: ScheduleReport) => Promise<void>;

/**
 * Creates what a firing does: read the command again (a schedule whose command no longer parses is paused, with
 * the reason, and says so), run it through the actions as the schedule's owner (the role is checked now, not when
 * it was scheduled), audit the firing, and deliver the result.
 */
export function createFiring(deps: {
  execute(command: Command, who: Requester, opts?: ExecuteOptions): Promise<ActionResult>;
  pause(name: string, reason: string): void;
  audit: { record(entry: AuditRecord): void };
  deliver: DeliverReport;
  log: Logger;
}): (s: Schedule, dueAt: number) => Promise<FireResult> {
  async function tell(s: Schedule, dueAt: number, result: ActionResult): Promise<void> {
    if (!s.report) return;
    const heading = `⏰ Schedule ${s.name} (${s.cron}, ${s.tz}) for ${new Date(dueAt).toISOString()}, as ${s.owner}: \`${s.command.slice(0, 200)}\``;
    try {
      await deps.deliver({ report: s.report, schedule: s, heading, result });
    } catch (err) {
      deps.log.warn({ schedule: s.name, report: s.report, err: (err as Error).message }, 'schedule report not delivered');
    }
  }

  return async (s, dueAt) => {
    const parsed = parseCommand(s.command);
    if (!parsed.ok) {
      const reason = `its command no longer parses: ${parsed.error}`;
      deps.pause(s.name, reason);
      deps.audit.record({ actor: s.owner, origin: 'schedule', action: 'schedule.fire', target: s.name, outcome: 'failed', detail: `paused: ${reason}`.slice(0, 1000) });
      await tell(s, dueAt, { kind: 'error', code: 'schedule_invalid', text: `Schedule ${s.name} is paused: ${reason}` });
      return { outcome: 'paused', detail: reason };
    }
    const result = await deps.execute(parsed.command, { identity: s.owner, origin: { kind: 'schedule', ref: s.name } }, { idempotencyKey: `schedule:${s.id}:${dueAt}` });
    const outcome = result.kind === 'refused' ? 'refused' : result.kind === 'error' ? 'failed' : 'started';
    const detail =
      result.kind === 'tasks_started'
        ? `${result.tasks.map((t) => `${t.machine}/${t.id}`).join(', ')}${result.placement ? ` ${result.placement}` : ''}`
        : 'text' in result
          ? result.text
          : result.kind;
    deps.audit.record({ actor: s.owner, origin: 'schedule', action: 'schedule.fire', target: s.name, outcome: outcome === 'started' ? 'ok' : outcome === 'refused' ? 'refused' : 'failed', detail: detail.slice(0, 1000) });
    await tell(s, dueAt, result);
    return { outcome, detail: detail.slice(0, 1000) };
  };
}
