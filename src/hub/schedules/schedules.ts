import type { Command } from '../../commands/command.js';
import type { Role } from '../../commands/roles.js';
import type { Logger } from '../../common/logger.js';
import type { ExecuteOptions, Requester } from '../actions/actions.js';
import type { ActionResult } from '../actions/result.js';
import type { Db } from '../db/database.js';
import type { AuditLog } from '../registry/audit.js';
import { createCronClock } from './cron.js';
import { createFiring, type DeliverReport } from './fire.js';
import { createScheduler, type Scheduler } from './scheduler.js';
import { createScheduleService, type ScheduleService } from './schedule-service.js';
import { createScheduleStore } from './schedule-store.js';

/** Schedules, built as one part: the store, the service (commands, API) and the scheduler that fires them. */
export interface Schedules {
  service: ScheduleService;
  scheduler: Scheduler;
}

/** Builds the schedules. `execute` is read lazily: the actions are built after, and they use the service. */
export function createSchedules(deps: {
  db: Db;
  audit: AuditLog;
  roleOf(identity: string): Role | undefined;
  execute: () => (command: Command, who: Requester, opts?: ExecuteOptions) => Promise<ActionResult>;
  deliver: DeliverReport;
  now: () => number;
  graceMs: number;
  defaultTz: string;
  maxSleepMs?: number;
  log: Logger;
}): Schedules {
  const log = deps.log.child({ component: 'schedules' });
  const store = createScheduleStore(deps.db);
  const cron = createCronClock();
  const hub = { id: 'hub', origin: 'schedule' };
  const service = createScheduleService({ store, cron, audit: deps.audit, roleOf: deps.roleOf, now: deps.now, defaultTz: deps.defaultTz, changed: () => scheduler.poke() });
  const fire = createFiring({
    execute: (command, who, opts) => deps.execute()(command, who, opts),
    pause: (name, reason) => service.pause(hub, name, reason),
    audit: deps.audit,
    deliver: deps.deliver,
    log,
  });
  const scheduler = createScheduler({ store, cron, fire, now: deps.now, graceMs: deps.graceMs, log, ...(deps.maxSleepMs !== undefined ? { maxSleepMs: deps.maxSleepMs } : {}) });
  return { service, scheduler };
}
