import { definitionOf } from '../../commands/definitions.js';
import { parseCommand } from '../../commands/parse.js';
import { allows, type Role } from '../../commands/roles.js';
import { PiaError } from '../../common/errors.js';
import type { ScheduleView } from '../../protocol/api.js';
import type { AuditLog } from '../registry/audit.js';
import { checkCron, checkTimeZone, type CronClock } from './cron.js';
import type { Schedule, ScheduleStore } from './schedule-store.js';

const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** Where results may go: a chat channel (`slack:C123`, `discord:1234`, `console:console`) or a mail address. */
const REPORT = /^(?:(?:slack|discord|console):[A-Za-z0-9_.-]{1,80}|mail:[^\s@<>]{1,128}@[^\s@<>]{1,255})$/;

/** Who changes a schedule, for the audit log and the owner. */
export interface ScheduleActor {
  id: string;
  origin: string;
}

/** What a new schedule is. */
export interface NewSchedule {
  name: string;
  cron: string;
  tz?: string;
  command: string;
  report?: string | null;
}

/** Adding, listing, pausing, resuming and removing schedules; every change audited. */
export interface ScheduleService {
  add(actor: ScheduleActor, input: NewSchedule): ScheduleView;
  list(): ScheduleView[];
  get(name: string): ScheduleView;
  pause(actor: ScheduleActor, name: string, reason?: string): ScheduleView;
  resume(actor: ScheduleActor, name: string): ScheduleView;
  remove(actor: ScheduleActor, name: string): void;
  /** The stored schedule (for the firing). */
  stored(name: string): Schedule | undefined;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A schedule as the API, chat and the CLI show it. */
export function scheduleView(s: Schedule): ScheduleView {
  return {
    name: s.name,
    cron: s.cron,
    tz: s.tz,
    command: s.command,
    owner: s.owner,
    report: s.report,
    state: s.paused ? 'paused' : 'active',
    pausedReason: s.pausedReason,
    nextRunAt: iso(s.nextRunAt),
    lastRunAt: iso(s.lastRunAt),
    lastOutcome: s.lastOutcome,
    createdAt: s.createdAt,
    createdBy: s.createdBy,
  };
}

/** Creates the service. `changed` is told when due times moved (the scheduler looks again). */
export function createScheduleService(deps: {
  store: ScheduleStore;
  cron: CronClock;
  audit: Pick<AuditLog, 'around'>;
  roleOf(identity: string): Role | undefined;
  now: () => number;
  defaultTz: string;
  changed(): void;
}): ScheduleService {
  const { store, cron, audit } = deps;

  function find(name: string): Schedule {
    const s = store.byName(name.trim().toLowerCase());
    if (!s) throw new PiaError('schedule_unknown', `No schedule named "${name.slice(0, 64)}". ${store.list().length ? `Known: ${store.list().map((x) => x.name).slice(0, 20).join(', ')}.` : 'There are none yet.'}`);
    return s;
  }

  /** The command a schedule runs: it must be read today, by the same grammar, and the owner must be allowed it. */
  function checkCommand(text: string, owner: string): string {
    const parsed = parseCommand(text);
    if (!parsed.ok) throw new PiaError('schedule_invalid', `The command to schedule cannot be read: ${parsed.error}${parsed.usage ? ` Usage: ${parsed.usage}` : ''}`);
    const name = parsed.command.name;
    if (name === 'schedule') throw new PiaError('schedule_invalid', 'A schedule cannot change schedules.');
    const need = definitionOf.get(name)!.role;
    const role = deps.roleOf(owner);
    if (!allows(role, need)) throw new PiaError('forbidden', `\`${name}\` needs the ${need} role; ${owner} is ${role ?? 'without a role'}, so it cannot schedule it.`);
    return text.trim();
  }

  const service: ScheduleService = {
    add(actor, input) {
      const name = input.name.trim().toLowerCase();
      if (!NAME.test(name)) throw new PiaError('schedule_invalid', `"${input.name.slice(0, 64)}" is not a schedule name: 1-64 of a-z, 0-9, _ and -.`);
      const expr = checkCron(input.cron);
      const tz = checkTimeZone(input.tz?.trim() || deps.defaultTz);
      const command = checkCommand(input.command, actor.id);
      const report = input.report?.trim() || null;
      if (report !== null && !REPORT.test(report)) throw new PiaError('schedule_invalid', `"${report.slice(0, 80)}" is not where results can go: slack:<channel>, discord:<channel> or mail:<address>.`);
      if (store.byName(name)) throw new PiaError('schedule_exists', `A schedule named "${name}" already exists.`);
      const nextRunAt = cron.next(expr, tz, deps.now()) ?? null;
      if (nextRunAt === null) throw new PiaError('cron_invalid', `"${expr}" never comes round in ${tz}.`);
      const created = audit.around(actor, 'schedule.add', name, () =>
        store.insert({ name, cron: expr, tz, command, owner: actor.id, report, nextRunAt, createdAt: new Date(deps.now()).toISOString(), createdBy: actor.id }),
      );
      deps.changed();
      return scheduleView(created);
    },

    list: () => store.list().map(scheduleView),
    get: (name) => scheduleView(find(name)),
    stored: (name) => store.byName(name),

    pause(actor, name, reason) {
      const s = find(name);
      audit.around(actor, 'schedule.pause', s.name, () => store.setPaused(s.id, true, reason ?? `paused by ${actor.id}`, null));
      deps.changed();
      return scheduleView(find(s.name));
    },

    resume(actor, name) {
      const s = find(name);
      audit.around(actor, 'schedule.resume', s.name, () => {
        // The command is read again: it may have been paused because it no longer parsed.
        checkCommand(s.command, s.owner);
        store.setPaused(s.id, false, null, cron.next(s.cron, s.tz, deps.now()) ?? null);
      });
      deps.changed();
      return scheduleView(find(s.name));
    },

    remove(actor, name) {
      const s = find(name);
      audit.around(actor, 'schedule.remove', s.name, () => store.remove(s.id));
      deps.changed();
    },
  };
  return service;
}
