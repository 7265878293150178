import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { CronClock } from './cron.js';
import type { RunOutcome, Schedule, ScheduleStore } from './schedule-store.js';

/** How a firing went, as recorded. */
export interface FireResult {
  outcome: Exclude<RunOutcome, 'firing' | 'missed'>;
  detail: string | null;
}

/** Fires schedules when they are due: on time while the hub runs, once on start for a run missed within the grace. */
export interface Scheduler {
  /** Fires what is due now (and records what was missed); resolves with how many fired. */
  runDue(): Promise<number>;
  /** Starts the timer (and fires what was missed while the hub was down). */
  start(): void;
  /** Looks again for the next due time (after a schedule was added, resumed or removed). */
  poke(): void;
  stop(): Promise<void>;
}

/** What the scheduler is given. */
export interface SchedulerDeps {
  store: Pick<ScheduleStore, 'due' | 'nextDue' | 'claim' | 'finish'>;
  cron: CronClock;
  /** Acts for one due time of a schedule: called only after the firing was recorded. */
  fire(schedule: Schedule, dueAt: number): Promise<FireResult>;
  now: () => number;
  /** A run missed by more than this (the hub was down) is recorded as missed, not run. */
  graceMs: number;
  /** The longest the timer sleeps before looking again (the clock may jump; schedules change). Default 60 s. */
  maxSleepMs?: number;
  log: Logger;
}

/**
 * Creates the scheduler. Each firing is claimed in SQLite before anything acts (see ScheduleStore.claim), so a due
 * time runs at most once, across restarts and overlapping ticks. When the hub was down over several due times,
 * only the latest is considered: run once if within the grace window, else recorded as missed.
 */
export function createScheduler(deps: SchedulerDeps): Scheduler {
  const { store, cron, now, log } = deps;
  const maxSleep = deps.maxSleepMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = false;

  async function pass(): Promise<number> {
    const t = now();
    let fired = 0;
    for (const s of store.due(t)) {
      const expected = s.nextRunAt!;
      // The usual case costs one cron step: the due time is the stored one and the next one is after now. Only
      // a hub that was away over several due times looks back for the latest.
      let dueAt = expected;
      let next = cron.next(s.cron, s.tz, expected) ?? null;
      if (next !== null && next <= t) {
        dueAt = Math.max(expected, cron.latest(s.cron, s.tz, t) ?? expected);
        next = cron.next(s.cron, s.tz, Math.max(dueAt, t)) ?? null;
      }
      if (t - dueAt > deps.graceMs) {
        const detail = `not run: the hub was down at ${new Date(dueAt).toISOString()}, more than ${Math.round(deps.graceMs / 1000)} s ago`;
        if (store.claim(s.id, expected, dueAt, t, next, 'missed', detail)) log.warn({ schedule: s.name, dueAt: new Date(dueAt).toISOString() }, 'schedule run missed');
        continue;
      }
      if (!store.claim(s.id, expected, dueAt, t, next, 'firing')) continue;
      fired++;
      let result: FireResult;
      try {
        result = await deps.fire(s, dueAt);
      } catch (err) {
        log.error({ schedule: s.name, err: errorMessage(err) }, 'schedule firing failed');
        result = { outcome: 'failed', detail: errorMessage(err).slice(0, 1000) };
      }
      store.finish(s.id, dueAt, result.outcome, result.detail);
    }
    return fired;
  }

  function runDue(): Promise<number> {
    // One pass at a time: a tick and a poke must not both fire the same due time (the claim would stop the
    // second anyway; this keeps the work single).
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  }

  function arm(): void {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    const next = store.nextDue();
    const delay = next === undefined ? maxSleep : Math.min(maxSleep, Math.max(0, next - now()));
    timer = setTimeout(() => {
      timer = undefined;
      void runDue()
        .catch((err: unknown) => log.error({ err: errorMessage(err) }, 'scheduler pass failed'))
        .finally(arm);
    }, delay);
    timer.unref();
  }

  return {
    runDue,
    start() {
      stopped = false;
      void runDue()
        .catch((err: unknown) => log.error({ err: errorMessage(err) }, 'scheduler pass failed'))
        .finally(arm);
    },
    poke: arm,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}
