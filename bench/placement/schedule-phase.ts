import path from 'node:path';
import { Cron } from 'croner';
import { silentLogger } from '../../src/common/logger.js';
import { projectRoot } from '../../src/common/version.js';
import { openDatabase, type Db } from '../../src/hub/db/database.js';
import { loadMigrations, migrate } from '../../src/hub/db/migrations.js';
import { createCronClock } from '../../src/hub/schedules/cron.js';
import { createScheduler, type Scheduler } from '../../src/hub/schedules/scheduler.js';
import { createScheduleStore, type ScheduleStore } from '../../src/hub/schedules/schedule-store.js';
import { round } from '../fleet/stats.js';

/** What the schedules phase measured. */
export interface SchedulePhase {
  schedules: number;
  days: number;
  expected: number;
  fired: number;
  /** Due times fired more than once (must be 0). */
  duplicates: number;
  /** Due times that should have fired and did not (must be 0). */
  missing: number;
  /** Firings for a time that is not a due time of the schedule (must be 0). */
  unexpected: number;
  passes: number;
  cpuMs: number;
  cpuMsPerDay: number;
  cpuUsPerFiring: number;
  wallMs: number;
}

const ZONES = ['UTC', 'Europe/London', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney'];

/** A varied set of cron expressions: every 5 or 15 minutes, hourly, daily, on weekdays, weekly. */
function cronOf(i: number): string {
  const m = (i * 7) % 60;
  const h = (i * 5) % 24;
  const kind = i % 50;
  if (kind === 0) return '*/5 * * * *';
  if (kind < 6) return `${i % 15}-59/15 * * * *`;
  if (kind < 19) return `${m} * * * *`;
  if (kind < 37) return `${m} ${h} * * *`;
  if (kind < 46) return `${m} ${h} * * 1-5`;
  return `${m} ${h} * * ${i % 7}`;
}

/**
 * Ticks `schedules` schedules over `days` simulated days, with the hub restarted halfway (a new store and scheduler
 * on the database), stopping at each due time as the real timer does. Every due time, computed independently from
 * croner, must fire exactly once.
 */
export async function schedulePhase(opts: { dir: string; schedules: number; days: number; progress: (s: string) => void }): Promise<SchedulePhase> {
  const file = path.join(opts.dir, 'schedules.db');
  const dbs: Db[] = [];
  const open = () => {
    const db = openDatabase(file);
    dbs.push(db);
    return createScheduleStore(db);
  };
  try {
    const first = openDatabase(file);
    dbs.push(first);
    migrate(first, loadMigrations(path.join(projectRoot, 'migrations')));
    // A week with a daylight-saving change in it (New York, 8 March 2026).
    const start = Date.parse('2026-03-05T00:00:00Z');
    const end = start + opts.days * 86_400_000;
    const clock = { t: start };
    let store: ScheduleStore = createScheduleStore(first);
    const cron = createCronClock();
    const expected = new Set<string>();
    first.transaction(() => {
      for (let i = 0; i < opts.schedules; i++) {
        const expr = cronOf(i);
        const tz = ZONES[i % ZONES.length]!;
        const name = `s${i}`;
        store.insert({ name, cron: expr, tz, command: 'status', owner: 'bench', report: null, nextRunAt: cron.next(expr, tz, start)!, createdAt: new Date(start).toISOString(), createdBy: 'bench' });
        const c = new Cron(expr, { timezone: tz, paused: true });
        for (let d = c.nextRun(new Date(start)); d && d.getTime() <= end; d = c.nextRun(d)) expected.add(`${name}@${d.getTime()}`);
      }
    })();
    opts.progress(`schedules: ${opts.schedules} schedules, ${expected.size} due times over ${opts.days} simulated days`);

    const seen = new Map<string, number>();
    const make = (s: ScheduleStore): Scheduler =>
      createScheduler({
        store: s,
        cron: createCronClock(),
        now: () => clock.t,
        graceMs: 3_600_000,
        log: silentLogger(),
        fire: async (sched, dueAt) => {
          const key = `${sched.name}@${dueAt}`;
          seen.set(key, (seen.get(key) ?? 0) + 1);
          return { outcome: 'started', detail: null };
        },
      });
    let scheduler = make(store);
    let restarted = false;
    let passes = 0;
    const cpu0 = process.cpuUsage();
    const wall0 = process.hrtime.bigint();
    for (let next = store.nextDue(); next !== undefined && next <= end; next = store.nextDue()) {
      clock.t = next;
      if (!restarted && clock.t >= start + (end - start) / 2) {
        // The hub restarts: a new connection, store and scheduler; the record in SQLite is all that carries over.
        await scheduler.stop();
        store = open();
        scheduler = make(store);
        restarted = true;
      }
      await scheduler.runDue();
      passes++;
    }
    const cpu = process.cpuUsage(cpu0);
    const wallMs = Number(process.hrtime.bigint() - wall0) / 1e6;
    const fired = [...seen.values()].reduce((a, b) => a + b, 0);
    const duplicates = [...seen.values()].filter((n) => n > 1).length;
    const missing = [...expected].filter((k) => !seen.has(k)).length;
    const unexpected = [...seen.keys()].filter((k) => !expected.has(k)).length;
    const cpuMs = (cpu.user + cpu.system) / 1000;
    opts.progress(`  fired ${fired} (expected ${expected.size}), ${duplicates} twice, ${missing} missing; CPU ${(cpuMs / 1000).toFixed(1)} s`);
    return {
      schedules: opts.schedules,
      days: opts.days,
      expected: expected.size,
      fired,
      duplicates,
      missing,
      unexpected,
      passes,
      cpuMs: round(cpuMs, 0),
      cpuMsPerDay: round(cpuMs / opts.days, 0),
      cpuUsPerFiring: round((cpuMs * 1000) / Math.max(1, fired), 1),
      wallMs: round(wallMs, 0),
    };
  } finally {
    for (const db of dbs) db.close();
  }
}
