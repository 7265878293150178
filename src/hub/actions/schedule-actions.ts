import { assertNever } from '../../common/errors.js';
import type { Command } from '../../commands/command.js';
import type { ScheduleService } from '../schedules/schedule-service.js';
import type { Requester } from './actions.js';
import type { ActionResult } from './result.js';

/**
 * `schedule ...`. A schedule runs as the person who added it; its results go to `--report`, by default back to
 * the chat channel (or the mail sender) it was added from.
 */
export function scheduleAction(schedules: Omit<ScheduleService, 'stored'>, command: Extract<Command, { name: 'schedule' }>, who: Requester): ActionResult {
  const actor = { id: who.identity, origin: who.origin.kind };
  const next = (v: { nextRunAt: string | null; tz: string }) => (v.nextRunAt ? `next run ${v.nextRunAt} (${v.tz})` : 'no next run');
  switch (command.action) {
    case 'list':
      return { kind: 'schedules', schedules: schedules.list() };
    case 'add': {
      const report = command.report === undefined || command.report === 'here' ? hereOf(who) : command.report === 'none' ? null : command.report;
      const v = schedules.add(actor, { name: command.schedule, cron: command.cron, ...(command.tz ? { tz: command.tz } : {}), command: command.command, report });
      return { kind: 'schedule', schedule: v, text: `Scheduled ${v.name}: \`${v.command}\` at "${v.cron}" ${v.tz}; ${next(v)}${v.report ? `; results to ${v.report}` : ''}.` };
    }
    case 'pause': {
      const v = schedules.pause(actor, command.schedule);
      return { kind: 'schedule', schedule: v, text: `Paused ${v.name}.` };
    }
    case 'resume': {
      const v = schedules.resume(actor, command.schedule);
      return { kind: 'schedule', schedule: v, text: `Resumed ${v.name}; ${next(v)}.` };
    }
    case 'rm':
      schedules.remove(actor, command.schedule);
      return { kind: 'text', text: `Removed schedule ${command.schedule}.` };
    default:
      return assertNever(command);
  }
}

/** Where "here" is for a schedule's results: the chat channel asked from, or the mail sender; null elsewhere. */
function hereOf(who: Requester): string | null {
  const channel = who.origin.ref?.split('/')[0];
  if (['slack', 'discord', 'console'].includes(who.origin.kind) && channel) return `${who.origin.kind}:${channel}`;
  if (who.identity.startsWith('email:')) return `mail:${who.identity.slice(6)}`;
  return null;
}
