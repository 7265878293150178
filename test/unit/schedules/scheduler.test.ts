import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/common/logger.js';
import { projectRoot } from '../../../src/common/version.js';
import { openDatabase, type Db } from '../../../src/hub/db/database.js';
import { loadMigrations, migrate } from '../../../src/hub/db/migrations.js';
import { checkCron, createCronClock } from '../../../src/hub/schedules/cron.js';
import { createScheduler, type FireResult } from '../../../src/hub/schedules/scheduler.js';
import { createScheduleStore, type Schedule, type ScheduleStore } from '../../../src/hub/schedules/schedule-store.js';
import { tempDir } from '../../helpers/tmp.js';

const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
});

function openDb(file = path.join(tempDir().dir, 'pia.db')): { db: Db; file: string } {
  const db = openDatabase(file);
  migrate(db, loadMigrations(path.join(projectRoot, 'migrations')));
  dbs.push(db);
  return { db, file };
}

const at = (iso: string) => Date.parse(iso);
const HOUR = 3600_000;

/** A scheduler over a real database, on a clock the test moves; it records every firing. */
function harness(store: ScheduleStore, clock: { t: number }, graceMs = HOUR) {
  const fired: Array<{ name: string; dueAt: string; firedAt: string }> = [];
  const cron = createCronClock();
  const scheduler = createScheduler({
    store,
    cron,
    now: () => clock.t,
    graceMs,
    log: silentLogger(),
    fire: async (s: Schedule, dueAt: number): Promise<FireResult> => {
      fired.push({ name: s.name, dueAt: new Date(dueAt).toISOString(), firedAt: new Date(clock.t).toISOString() });
      return { outcome: 'started', detail: null };
    },
  });
  /** Moves the clock to `to`, stopping at each due time on the way as the timer would. */
  async function advance(to: number) {
    for (let next = store.nextDue(); next !== undefined && next <= to; next = store.nextDue()) {
      clock.t = Math.max(clock.t, next);
      await scheduler.runDue();
    }
    clock.t = to;
    await scheduler.runDue();
  }
  return { fired, scheduler, advance };
}

function add(store: ScheduleStore, name: string, expr: string, tz: string, now: number): Schedule {
  const next = createCronClock().next(expr, tz, now)!;
  return store.insert({ name, cron: expr, tz, command: 'status', owner: 'admin-token', report: null, nextRunAt: next, createdAt: new Date(now).toISOString(), createdBy: 'admin-token' });
}

describe('cron expressions', () => {
  it('point at the field that is wrong', () => {
    expect(() => checkCron('0 25 * * *')).toThrow('Cannot read the cron expression at character 3: the hour field "25" is not valid (Invalid value for hour: 25).\n  0 25 * * *\n    ^');
    expect(() => checkCron('0 2 * * 1-5 x')).toThrow(/at character 13: a cron expression has five fields/);
    expect(() => checkCron('*/0 * * * *')).toThrow(/at character 1: the minute field "\*\/0" is not valid/);
    expect(checkCron(' 0  2 * *   1-5 ')).toBe('0 2 * * 1-5');
  });
});

describe('the scheduler, on a moved clock', () => {
  it('fires once per due time across the DST changes of Europe/London', async () => {
    const { db } = openDb();
    const store = createScheduleStore(db);
    const clock = { t: at('2026-03-27T12:00:00Z') };
    add(store, 'early', '30 1 * * *', 'Europe/London', clock.t);
    add(store, 'daily', '0 9 * * *', 'Europe/London', clock.t);
    const h = harness(store, clock);
    await h.advance(at('2026-03-31T12:00:00Z'));
    // 29 March: 01:30 does not exist in London (clocks go from 01:00 GMT to 02:00 BST): it runs once, at 02:00 BST.
    expect(h.fired.filter((f) => f.name === 'early').map((f) => f.dueAt)).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']);
    expect(h.fired.filter((f) => f.name === 'daily').map((f) => f.dueAt)).toEqual(['2026-03-28T09:00:00.000Z', '2026-03-29T08:00:00.000Z', '2026-03-30T08:00:00.000Z', '2026-03-31T08:00:00.000Z']);
    h.fired.length = 0;
    clock.t = at('2026-10-23T12:00:00Z');
    for (const s of store.list()) store.setPaused(s.id, false, null, createCronClock().next(s.cron, s.tz, clock.t)!);
    await h.advance(at('2026-10-27T12:00:00Z'));
    // 25 October: 01:30 happens twice in London (BST, then GMT): it runs once.
    expect(h.fired.filter((f) => f.name === 'early').map((f) => f.dueAt)).toEqual(['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z', '2026-10-27T01:30:00.000Z']);
  });

  it('knows month ends: the 31st only where there is one, and the last day (L), leap years too', async () => {
    const { db } = openDb();
    const store = createScheduleStore(db);
    const clock = { t: at('2027-12-15T00:00:00Z') };
    add(store, 'thirty-first', '0 9 31 * *', 'UTC', clock.t);
    add(store, 'last', '0 9 L * *', 'UTC', clock.t);
    const h = harness(store, clock);
    await h.advance(at('2028-05-01T00:00:00Z'));
    expect(h.fired.filter((f) => f.name === 'thirty-first').map((f) => f.dueAt.slice(0, 10))).toEqual(['2027-12-31', '2028-01-31', '2028-03-31']);
    expect(h.fired.filter((f) => f.name === 'last').map((f) => f.dueAt.slice(0, 10))).toEqual(['2027-12-31', '2028-01-31', '2028-02-29', '2028-03-31', '2028-04-30']);
  });

  it('a run missed while the hub was down runs once on start within the grace, never twice across restarts', async () => {
    const { db, file } = openDb();
    const store = createScheduleStore(db);
    const clock = { t: at('2026-06-01T01:00:00Z') };
    add(store, 'nightly', '0 2 * * *', 'UTC', clock.t);
    // The hub is down from 01:00 to 02:20: the 02:00 run is 20 minutes late, within the hour of grace.
    clock.t = at('2026-06-01T02:20:00Z');
    const first = harness(store, clock);
    await first.scheduler.runDue();
    expect(first.fired).toEqual([{ name: 'nightly', dueAt: '2026-06-01T02:00:00.000Z', firedAt: '2026-06-01T02:20:00.000Z' }]);
    // Restarted again at once (a crash right after the firing): the run is recorded, so nothing fires again.
    const second = harness(createScheduleStore(openDb(file).db), clock);
    await second.scheduler.runDue();
    await first.scheduler.runDue();
    expect(second.fired).toEqual([]);
    expect(store.runs(store.byName('nightly')!.id)).toEqual([{ dueAt: at('2026-06-01T02:00:00Z'), firedAt: at('2026-06-01T02:20:00Z'), outcome: 'started', detail: null }]);
    expect(store.byName('nightly')!.nextRunAt).toBe(at('2026-06-02T02:00:00Z'));
  });

  it('a run missed by more than the grace is recorded as missed, and only the latest of several is considered', async () => {
    const { db } = openDb();
    const store = createScheduleStore(db);
    const clock = { t: at('2026-06-01T01:00:00Z') };
    add(store, 'nightly', '0 2 * * *', 'UTC', clock.t);
    clock.t = at('2026-06-04T05:00:00Z'); // down for three nights; the latest, 04 June 02:00, is 3 h late
    const h = harness(store, clock);
    await h.scheduler.runDue();
    expect(h.fired).toEqual([]);
    const s = store.byName('nightly')!;
    expect(store.runs(s.id)).toEqual([{ dueAt: at('2026-06-04T02:00:00Z'), firedAt: clock.t, outcome: 'missed', detail: 'not run: the hub was down at 2026-06-04T02:00:00.000Z, more than 3600 s ago' }]);
    expect(s.nextRunAt).toBe(at('2026-06-05T02:00:00Z'));
    // Down two nights but back 30 minutes after the last one: that one runs, once; the first is not run late.
    clock.t = at('2026-06-07T02:30:00Z');
    await h.scheduler.runDue();
    expect(h.fired.map((f) => f.dueAt)).toEqual(['2026-06-07T02:00:00.000Z']);
  });

  it('two schedulers on one database (two hubs by mistake, or overlapping passes) fire a due time once', async () => {
    const { db, file } = openDb();
    const store = createScheduleStore(db);
    const clock = { t: at('2026-06-01T00:00:00Z') };
    for (let i = 0; i < 50; i++) add(store, `s${i}`, `${i % 60} * * * *`, 'UTC', clock.t);
    const a = harness(store, clock);
    const b = harness(createScheduleStore(openDb(file).db), clock);
    for (let m = 0; m < 180; m++) {
      clock.t = at('2026-06-01T00:00:00Z') + m * 60_000;
      await Promise.all([a.scheduler.runDue(), b.scheduler.runDue(), a.scheduler.runDue()]);
    }
    const all = [...a.fired, ...b.fired].map((f) => `${f.name}@${f.dueAt}`);
    expect(new Set(all).size).toBe(all.length);
    // s0 was added at 00:00 itself, so its first run is 01:00: 49 x 3 + 2.
    expect(all.length).toBe(149);
  });
});
