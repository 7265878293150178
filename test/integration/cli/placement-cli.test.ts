import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pia } from '../../helpers/cli.js';
import { ADMIN_TOKEN } from '../../helpers/hub.js';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';

let fleet: TestFleet;
let env: Record<string, string>;

beforeAll(async () => {
  fleet = await startFleet({ name: 'box', hubEnv: { PIA_SCHEDULE_TZ: 'UTC' } });
  env = { PIA_URL: fleet.t.httpUrl, PIA_ADMIN_TOKEN: ADMIN_TOKEN };
});
afterAll(async () => {
  await fleet?.stop();
});

describe('the CLI: targets, labels, schedules, idle sleep', () => {
  it('runs on any[...] and prints why; shows labels; refuses a bad target with the caret', async () => {
    const run = await pia(['run', 'any[os=linux]', 'say', 'hi'], env);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^→ box: idle\nTask \w+ (queued|dispatched) on box\. Follow it with: pia logs \w+ -f\n$/);
    const show = await pia(['machines', 'show', 'box'], env);
    expect(show.stdout).toMatch(/\n {2}labels: {7}.*\bos=linux\b.*\n/);
    const bad = await pia(['run', 'any[os=linux', 'x'], env);
    expect(bad).toMatchObject({ code: 1, stderr: 'pia: Cannot read the target at character 13: the list is not closed: "]" is missing.\n  any[os=linux\n              ^\n' });
  });

  it('adds, lists, pauses, resumes and removes a schedule', async () => {
    const add = await pia(['schedule', 'add', 'nightly', '--cron', '0 2 * * 1-5', '--tz', 'Europe/London', '--', 'run', 'any[os=linux]', 'run the nightly checks'], env);
    expect(add).toMatchObject({ code: 0, stderr: '' });
    expect(add.stdout).toMatch(/^Scheduled nightly: `run any\[os=linux\] "run the nightly checks"` at "0 2 \* \* 1-5" Europe\/London; next run 20\d\d-\d\d-\d\dT0[12]:00:00\.000Z\n$/);
    const list = await pia(['schedule', 'list'], env);
    expect(list.stdout).toMatch(/^NAME +WHEN +COMMAND +STATE\nnightly +0 2 \* \* 1-5 Europe\/London +run any\[os=linux\] "run the nightly checks" +next /);
    expect((await pia(['schedule', 'pause', 'nightly'], env)).stdout).toMatch(/^Paused nightly: .*; paused \(paused by admin-token\)\n$/);
    expect((await pia(['schedule', 'resume', 'nightly'], env)).stdout).toMatch(/^Resumed nightly: .*; next run /);
    const wrong = await pia(['schedule', 'add', 'x', '--cron', '0 2 * *', '--', 'status'], env);
    expect(wrong.stderr).toBe('pia: Cannot read the cron expression at character 8: a cron expression has five fields (minute hour day-of-month month day-of-week), this has 4.\n  0 2 * *\n         ^\n');
    expect((await pia(['schedule', 'rm', 'nightly'], env)).stdout).toBe('Removed schedule nightly.\n');
    expect((await pia(['schedule'], env)).stdout).toMatch(/^No schedules yet\./);
    // Every change is audited, with who made it.
    const audit = (await fleet.t.api<{ entries: Array<{ action: string; actor: string; target: string; outcome: string }> }>('GET', '/api/audit?limit=1000')).body.entries;
    expect(audit.filter((e) => e.action.startsWith('schedule.')).map((e) => [e.action, e.actor, e.target, e.outcome]).reverse()).toEqual([
      ['schedule.add', 'admin-token', 'nightly', 'ok'],
      ['schedule.pause', 'admin-token', 'nightly', 'ok'],
      ['schedule.resume', 'admin-token', 'nightly', 'ok'],
      ['schedule.remove', 'admin-token', 'nightly', 'ok'],
    ]);
  });

  it('sets idle sleep with a duration', async () => {
    const set = await pia(['machines', 'set', 'box', '--sleep-when-idle', '30m', '--idle-action', 'shutdown', '--sleep-after-wake', 'on'], env);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('  idle sleep:   shutdown after 30 min idle\n  after a wake: back to sleep once its tasks end\n');
    expect((await fleet.t.machine('box')).capabilities).toMatchObject({ sleepWhenIdleS: 1800, idleAction: 'shutdown', sleepAfterWake: true });
    const bad = await pia(['machines', 'set', 'box', '--sleep-when-idle', 'soon'], env);
    expect(bad).toMatchObject({ code: 1, stderr: "pia: --sleep-when-idle takes a duration such as 30m, 2h or 90s (or off), got 'soon'\n" });
    const short = await pia(['machines', 'set', 'box', '--sleep-when-idle', '10s'], env);
    expect(short.stderr).toMatch(/sleepWhenIdleS.*at least 60 seconds/);
    expect((await pia(['machines', 'set', 'box', '--sleep-when-idle', 'off'], env)).stdout).not.toContain('idle sleep');
  });
});
