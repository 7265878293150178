import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../src/hub/registry/audit.js';
import type { Task } from '../../../src/hub/tasks/task.js';
import type { ScheduleView } from '../../../src/protocol/api.js';
import { parseMail } from '../../../src/mail/parse/parse-mail.js';
import { testChat } from '../../helpers/chat.js';
import { offlineMailEnv } from '../../helpers/mail-env.js';
import { startSmtpSink } from '../../helpers/smtp-sink.js';
import { startTestHub, type TestHub } from '../../helpers/hub.js';
import { tempDir } from '../../helpers/tmp.js';
import { nextEvent, until } from '../../helpers/wait.js';
import { fakeAgentEnv, testWorker } from '../../helpers/worker.js';
import path from 'node:path';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A hub on a clock the test moves; the scheduler looks at it every 20 ms. */
async function hub(clock: { t: number }, dataDir?: string): Promise<TestHub> {
  const t = await startTestHub({
    env: { PIA_OPERATORS: 'slack:UOPS', PIA_VIEWERS: 'slack:UVIEW', PIA_SCHEDULE_TZ: 'UTC' },
    ...(dataDir ? { dataDir } : {}),
    options: { now: () => clock.t, scheduleTickMs: 20 },
  });
  return t;
}

async function link(t: TestHub, name: string, stateDir?: string) {
  const join = stateDir ? undefined : (await t.api<{ joinToken: string }>('POST', '/api/machines', { name })).body.joinToken;
  const worker = testWorker({ hub: t.linkUrl, ...(join ? { join } : {}), ...(stateDir ? { stateDir } : {}), env: fakeAgentEnv() });
  const online = nextEvent(t.pia.events, 'machine.online', (e) => e.machine === name);
  void worker.run();
  await online;
  return worker;
}

const scheduled = async (t: TestHub) => (await t.tasks()).filter((x: Task) => x.origin.kind === 'schedule');

describe('schedules through the hub', () => {
  it('added in chat, fired at its time as its owner, the result posted in the channel; refused when the owner lost the role', async () => {
    const clock = { t: Date.parse('2026-06-01T01:59:00Z') };
    const t = await hub(clock);
    cleanups.push(() => t.stop());
    const worker = await link(t, 'box');
    cleanups.push(() => worker.stop());
    const chat = testChat(t.pia.chat);
    t.pia.connectChat(chat.port);

    const viewer = await chat.say('slack:UVIEW', 'schedule add nope --cron "0 2 * * *" -- run box hi');
    expect(viewer.text).toBe('⛔ `schedule` needs the operator role; you are viewer.');
    const bad = await chat.say('slack:UOPS', 'schedule add nightly --cron "0 25 * * *" -- run box hi');
    expect(bad.text).toBe('⚠️ Cannot read the cron expression at character 3: the hour field "25" is not valid (Invalid value for hour: 25).\n  0 25 * * *\n    ^');
    const adminOnly = await chat.say('slack:UOPS', 'schedule add shell --cron "0 2 * * *" -- sh box -- uptime');
    expect(adminOnly.text).toBe('⚠️ `sh` needs the admin role; slack:UOPS is operator, so it cannot schedule it.');
    const added = await chat.say('slack:UOPS', 'schedule add nightly --cron "0 2 * * *" -- run box "nightly lines=2"');
    expect(added.text).toBe('Scheduled nightly: `run box "nightly lines=2"` at "0 2 * * *" UTC; next run 2026-06-01T02:00:00.000Z (UTC); results to slack:C1.');
    // A second one by someone who will lose the role before it fires.
    await t.api('POST', '/api/users', { identity: 'slack:UTMP', role: 'operator' });
    await chat.say('slack:UTMP', 'schedule add temp --cron "0 2 * * *" -- run box "temp"');
    await t.api('DELETE', '/api/users/slack:UTMP');
    const listed = await chat.say('slack:UOPS', 'schedule');
    expect(listed.code).toMatch(/^NAME +WHEN +COMMAND +STATE\nnightly +0 2 \* \* \* UTC +run box "nightly lines=2" +next 2026-06-01T02:00Z\ntemp /);

    clock.t = Date.parse('2026-06-01T02:00:05Z');
    const result = await until(() => chat.messages.find((m) => m.text.includes('✅ box: succeeded')), 10_000);
    const heading = chat.messages.find((m) => m.text.startsWith('⏰ Schedule nightly'))!;
    expect(heading.text).toMatch(/^⏰ Schedule nightly \(0 2 \* \* \*, UTC\) for 2026-06-01T02:00:00.000Z, as slack:UOPS: `run box "nightly lines=2"`\nRunning on box: task \w+ (queued|dispatched)$/);
    expect(result.thread).toBe(heading.thread);
    const refused = await until(() => chat.messages.find((m) => m.text.startsWith('⏰ Schedule temp')));
    expect(refused.text).toContain('⛔ You (slack:UTMP) have no role in this PIA.');

    const tasks = await scheduled(t);
    expect(tasks.map((x) => [x.machine, x.requester, x.origin])).toEqual([['box', 'slack:UOPS', { kind: 'schedule', ref: 'nightly' }]]);
    const audit = (await t.api<{ entries: AuditEntry[] }>('GET', '/api/audit')).body.entries.filter((e) => e.action === 'schedule.fire');
    expect(audit.map((e) => [e.target, e.actor, e.outcome]).sort()).toEqual([['nightly', 'slack:UOPS', 'ok'], ['temp', 'slack:UTMP', 'refused']]);
    const api = await t.api<{ schedules: ScheduleView[] }>('GET', '/api/schedules');
    expect(api.body.schedules.find((s) => s.name === 'nightly')).toMatchObject({ state: 'active', lastOutcome: 'started', lastRunAt: '2026-06-01T02:00:00.000Z', nextRunAt: '2026-06-02T02:00:00.000Z' });
  });

  it('results to a mail address: a mail when it fires, and one when its task ends, from the machine\'s address', async () => {
    const smtp = await startSmtpSink();
    cleanups.push(() => smtp.close());
    const clock = { t: Date.parse('2026-06-01T01:59:00Z') };
    // The mail gateway on, sending through a real SMTP server on loopback (its IMAP side is not needed here).
    const t = await startTestHub({
      env: offlineMailEnv({ PIA_SMTP_PORT: String(smtp.port), PIA_SMTP_TLS: 'none', PIA_SCHEDULE_TZ: 'UTC' }),
      options: { now: () => clock.t, scheduleTickMs: 20 },
    });
    cleanups.push(() => t.stop());
    const worker = await link(t, 'box');
    cleanups.push(() => worker.stop());
    const bad = await t.api<{ error: { code: string; message: string } }>('POST', '/api/schedules', { name: 'x', cron: '0 2 * * *', command: 'status', report: 'mail:nobody' });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'schedule_invalid', message: '"mail:nobody" is not where results can go: slack:<channel>, discord:<channel> or mail:<address>.' } } });
    const add = await t.api('POST', '/api/schedules', { name: 'nightly', cron: '0 2 * * *', command: 'run box "nightly lines=2"', report: 'mail:ada@example.test' });
    expect(add.status).toBe(201);

    clock.t = Date.parse('2026-06-01T02:00:05Z');
    const fired = await smtp.waitFor((m) => m.raw.includes('Subject: [pia] schedule nightly'), 15_000);
    expect(fired.envelope.to).toEqual(['ada@example.test']);
    expect(fired.envelope.from).toBe('pia+box@example.test');
    expect((await parseMail(fired.raw)).text).toMatch(/^⏰ Schedule nightly \(0 2 \* \* \*, UTC\) for 2026-06-01T02:00:00\.000Z, as admin-token: `run box "nightly lines=2"`\n\nRunning on box: task \w+ (queued|dispatched)\n/);
    const ended = await smtp.waitFor((m) => m.raw.includes('Subject: [pia] nightly: box succeeded'), 15_000);
    expect(ended.envelope.to).toEqual(['ada@example.test']);
    expect((await parseMail(ended.raw)).text).toMatch(/Full log: pia logs \w+\n$/);
  });

  it('a run missed while the hub was down runs once on start, never twice across restarts; a command that no longer parses pauses its schedule', async () => {
    const dataDir = path.join(tempDir().dir, 'data');
    const clock = { t: Date.parse('2026-06-01T01:00:00Z') };
    let t = await hub(clock, dataDir);
    const worker = await link(t, 'box');
    const stateDir = worker.stateDir;
    const add = await t.api<{ schedule: ScheduleView }>('POST', '/api/schedules', { name: 'nightly', cron: '0 2 * * *', command: 'run box "from the schedule"' });
    expect(add.status).toBe(201);
    const bad = await t.api<{ error: { code: string; message: string } }>('POST', '/api/schedules', { name: 'x', cron: '0 2 * * *', tz: 'Mars/Base', command: 'status' });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'timezone_invalid' } } });
    // A schedule written by an older PIA whose command this grammar no longer reads.
    t.db().prepare(`INSERT INTO schedules (name, cron, tz, command, owner, next_run_at, created_at, created_by) VALUES ('legacy', '0 2 * * *', 'UTC', 'frobnicate box', 'admin-token', ?, '2026-01-01', 'admin-token')`).run(Date.parse('2026-06-01T02:00:00Z'));
    await worker.stop();
    await t.stop();

    // Down over 02:00; back at 02:10, within the hour of grace: it runs once.
    clock.t = Date.parse('2026-06-01T02:10:00Z');
    t = await hub(clock, dataDir);
    let w2 = await link(t, 'box', stateDir);
    await until(async () => (await scheduled(t)).length === 1);
    const legacy = await until(async () => {
      const { schedule } = (await t.api<{ schedule: ScheduleView }>('GET', '/api/schedules/legacy')).body;
      return schedule.state === 'paused' ? schedule : undefined;
    });
    expect(legacy.pausedReason).toBe('its command no longer parses: Unknown command "frobnicate". Try `help`.');
    const resumeLegacy = await t.api<{ error: { code: string } }>('POST', '/api/schedules/legacy/resume');
    expect(resumeLegacy).toMatchObject({ status: 400, body: { error: { code: 'schedule_invalid' } } });
    await w2.stop();
    await t.stop();

    // Restarted again at once: that run is recorded, so nothing runs twice.
    t = await hub(clock, dataDir);
    cleanups.push(() => t.stop());
    w2 = await link(t, 'box', stateDir);
    cleanups.push(() => w2.stop());
    await new Promise((r) => setTimeout(r, 300));
    expect((await scheduled(t)).length).toBe(1);
    const runs = t.db().prepare("SELECT outcome FROM schedule_runs r JOIN schedules s ON s.id = r.schedule_id WHERE s.name = 'nightly'").pluck().all();
    expect(runs).toEqual(['started']);
  });
});
