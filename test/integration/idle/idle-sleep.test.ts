import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../src/hub/registry/audit.js';
import type { Task } from '../../../src/hub/tasks/task.js';
import { startTestHub, type TestHub } from '../../helpers/hub.js';
import { silentPorts } from '../../helpers/silent-port.js';
import { tempDir } from '../../helpers/tmp.js';
import { udpListener } from '../../helpers/udp.js';
import { nextEvent, until } from '../../helpers/wait.js';
import { fakeAgentEnv, testWorker } from '../../helpers/worker.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const MIN = 60_000;
/** Workers answer through real processes on a shared machine: give them time. */
const eventually = <T>(check: () => T | Promise<T>) => until(check, 15_000);
const settle = () => new Promise((r) => setTimeout(r, 250));

/** Worker variables: a stand-in sleep command that leaves a file, and a stand-in list of who is logged in. */
function standIn(marker: string, loggedIn: string[]): Record<string, string> {
  return {
    ...fakeAgentEnv(),
    PIA_POWER_SLEEP_CMD: JSON.stringify([process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'slept')`]),
    PIA_SESSIONS_CMD: JSON.stringify([process.execPath, '-e', `console.log(${JSON.stringify(loggedIn.join('\n'))})`]),
  };
}

async function linked(t: TestHub, name: string, env: Record<string, string>, capabilities: object = {}, stateDir?: string) {
  const join = stateDir ? undefined : (await t.api<{ joinToken: string }>('POST', '/api/machines', { name, capabilities })).body.joinToken;
  const worker = testWorker({ hub: t.linkUrl, ...(join ? { join } : {}), ...(stateDir ? { stateDir } : {}), env });
  cleanups.push(() => worker.stop());
  const online = nextEvent(t.pia.events, 'machine.online', (e) => e.machine === name);
  void worker.run();
  await online;
  await eventually(() => worker.link.linked);
  return worker;
}

const sleeps = async (t: TestHub, machine: string) =>
  (await t.api<{ entries: AuditEntry[] }>('GET', '/api/audit?limit=1000')).body.entries.filter((e) => e.action === 'power.sleep' && e.target === machine).reverse();

describe('idle sleep, on a moved clock, through the workers', () => {
  it('sleeps a machine idle for its period, never while a task runs, never while someone is logged in unless forced', async () => {
    const clock = { t: Date.parse('2026-06-01T10:00:00Z') };
    const t = await startTestHub({ options: { now: () => clock.t, idleCheckMs: 20 } });
    cleanups.push(() => t.stop());
    const dir = tempDir().dir;
    const slept = path.join(dir, 'quiet-slept');
    const sleptBusy = path.join(dir, 'occupied-slept');
    await linked(t, 'quiet', standIn(slept, []));
    await linked(t, 'occupied', standIn(sleptBusy, ['ada']));
    for (const name of ['quiet', 'occupied']) {
      const res = await t.api('PATCH', `/api/machines/${name}`, { capabilities: { sleepWhenIdleS: 30 * 60 } });
      expect(res.status).toBe(200);
    }

    clock.t += 29 * MIN;
    await settle();
    expect(existsSync(slept)).toBe(false);

    // A task that runs across the idle period keeps the machine awake; the period starts again when it ends.
    const { body } = await t.api<{ tasks: Task[] }>('POST', '/api/tasks', { kind: 'run', machine: 'quiet', prompt: 'sleep=700' });
    await eventually(async () => (await t.task(body.tasks[0]!.id))?.state === 'running');
    clock.t += 2 * MIN;
    await settle();
    expect(existsSync(slept)).toBe(false);
    await eventually(async () => (await t.task(body.tasks[0]!.id))?.state === 'succeeded');
    clock.t += 29 * MIN;
    await settle();
    expect(existsSync(slept)).toBe(false);
    clock.t += 2 * MIN;
    await eventually(() => existsSync(slept));
    expect(await eventually(async () => (await sleeps(t, 'quiet')).length && sleeps(t, 'quiet'))).toMatchObject([{ actor: 'hub', origin: 'idle: idle for 31 min', outcome: 'ok' }]);

    // ada is logged in on "occupied": asked, it refuses; nothing happens until it is told to force.
    const refused = await eventually(async () => (await sleeps(t, 'occupied'))[0]);
    expect(refused).toMatchObject({ actor: 'hub', outcome: 'failed', detail: 'not doing sleep: logged in: ada' });
    expect(existsSync(sleptBusy)).toBe(false);
    await t.api('PATCH', '/api/machines/occupied', { capabilities: { idleForce: true } });
    clock.t += 31 * MIN;
    await eventually(() => existsSync(sleptBusy));
    // Refused at 31 min idle, asked again only a whole period later (refused again), then forced.
    expect(await eventually(async () => (await sleeps(t, 'occupied')).length === 3 && (await sleeps(t, 'occupied')).map((e) => e.outcome))).toEqual(['failed', 'failed', 'ok']);
  });

  it('a machine set to shut down when idle is shut down by its worker, with its shutdown command, not put to sleep', async () => {
    const clock = { t: Date.parse('2026-06-01T10:00:00Z') };
    const t = await startTestHub({ options: { now: () => clock.t, idleCheckMs: 20 } });
    cleanups.push(() => t.stop());
    const dir = tempDir().dir;
    const slept = path.join(dir, 'halt-slept');
    const halted = path.join(dir, 'halt-halted');
    const env = { ...standIn(slept, []), PIA_POWER_SHUTDOWN_CMD: JSON.stringify([process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(halted)}, 'off')`]) };
    await linked(t, 'halt', env);
    expect((await t.api('PATCH', '/api/machines/halt', { capabilities: { sleepWhenIdleS: 60 * 60, idleAction: 'shutdown' } })).status).toBe(200);
    clock.t += 59 * MIN;
    await settle();
    expect(existsSync(halted)).toBe(false);
    clock.t += 2 * MIN;
    await eventually(() => existsSync(halted));
    expect(existsSync(slept)).toBe(false);
    // Audited when the worker answers, a moment after its command ran.
    const audit = async () => (await t.api<{ entries: AuditEntry[] }>('GET', '/api/audit?limit=1000')).body.entries.filter((e) => e.target === 'halt' && e.action.startsWith('power.'));
    expect(await eventually(async () => (await audit()).length && audit())).toMatchObject([{ action: 'power.shutdown', origin: 'idle: idle for 61 min', outcome: 'ok' }]);
  });

  it('a machine PIA woke for a task goes back to sleep after it, when told to', async () => {
    const clock = { t: Date.parse('2026-06-01T10:00:00Z') };
    const nic = await udpListener();
    cleanups.push(() => nic.close());
    const silent = await silentPorts(1);
    cleanups.push(() => silent.close());
    const t = await startTestHub({
      env: { PIA_WOL_TARGETS: `127.0.0.1:${nic.port}`, PIA_WAKE_POLL_S: '0.1', PIA_WAKE_TIMEOUT_S: '30', PIA_PROBE_TIMEOUT_MS: '200', PIA_PROBE_INTERVAL_S: '3600' },
      options: { now: () => clock.t, idleCheckMs: 20, sleepAfterWakeMs: 60_000 },
    });
    cleanups.push(() => t.stop());
    const marker = path.join(tempDir().dir, 'napper-slept');
    const env = standIn(marker, []);
    const caps = { mac: '02:00:5e:10:00:21', ip: '127.0.0.1', probePorts: [silent.ports[0]], wolTargets: [`127.0.0.1:${nic.port}`], autoWake: true, sleepAfterWake: true };
    const first = await linked(t, 'napper', env, caps);
    await first.stop();
    await eventually(async () => (await t.machine('napper')).status === 'offline');

    // A task for it while it sleeps: PIA wakes it (the packet is sent), then it "boots" and its worker links.
    const { body } = await t.api<{ tasks: Task[] }>('POST', '/api/tasks', { kind: 'run', machine: 'napper', prompt: 'hello' });
    await eventually(() => nic.packets.length > 0);
    await linked(t, 'napper', env, {}, first.stateDir);
    await eventually(async () => (await t.task(body.tasks[0]!.id))?.state === 'succeeded');
    clock.t += 30_000;
    await settle();
    expect(existsSync(marker)).toBe(false);
    clock.t += 31_000;
    await eventually(() => existsSync(marker));
    expect(await eventually(async () => (await sleeps(t, 'napper')).length && sleeps(t, 'napper'))).toMatchObject([{ actor: 'hub', origin: 'idle: woken for a task, which has ended', outcome: 'ok' }]);
  });
});
