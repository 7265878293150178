import { afterEach, describe, expect, it } from 'vitest';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';
import { nextEvent, until } from '../../helpers/wait.js';
import { fakeAgentEnv, testWorker } from '../../helpers/worker.js';

let fleets: TestFleet[] = [];
afterEach(async () => {
  await Promise.all(fleets.map((f) => f.stop()));
  fleets = [];
});

async function fleet(opts: Parameters<typeof startFleet>[0] = {}): Promise<TestFleet> {
  const f = await startFleet(opts);
  fleets.push(f);
  return f;
}

async function whenRunning(f: TestFleet, taskId: string, text: string): Promise<void> {
  await until(async () => (await f.outputText(taskId)).includes(text), 5000);
}

describe('cancel, time-out and queue', () => {
  it('cancel sends SIGINT to the process group and records who cancelled', async () => {
    const f = await fleet({ workerEnv: { PIA_CANCEL_GRACE_S: '0.3' } });
    const [task] = await f.create({ kind: 'run', machine: 'local', prompt: 'lines=1 sleep=30000' });
    await whenRunning(f, task!.id, 'line 1');
    const res = await f.t.api<{ task: { cancelRequestedBy: string } }>('POST', `/api/tasks/${task!.id}/cancel`);
    expect(res.body.task.cancelRequestedBy).toBe('admin-token');
    const started = Date.now();
    const done = await f.finished(task!.id);
    expect(done).toMatchObject({ state: 'cancelled', cancelledBy: 'admin-token', error: 'cancelled by admin-token' });
    expect(Date.now() - started).toBeLessThan(300); // SIGINT was enough
    const again = await f.t.api<{ error: { code: string } }>('POST', `/api/tasks/${task!.id}/cancel`);
    expect(again.status).toBe(409);
  });

  it('escalates to SIGTERM and then SIGKILL when the agent ignores SIGINT', async () => {
    const f = await fleet({ workerEnv: { PIA_CANCEL_GRACE_S: '0.3' } });
    const [task] = await f.create({ kind: 'run', machine: 'local', prompt: 'lines=1 sleep=30000 ignore-sigint ignore-sigterm' });
    await whenRunning(f, task!.id, 'line 1');
    const started = Date.now();
    await f.t.api('POST', `/api/tasks/${task!.id}/cancel`);
    const done = await f.finished(task!.id);
    const took = Date.now() - started;
    expect(done.state).toBe('cancelled');
    expect(took).toBeGreaterThanOrEqual(550); // two grace periods: SIGINT, SIGTERM, then SIGKILL
    expect(took).toBeLessThan(3000);
  });

  it('stops a task that runs past its time-out as timed_out', async () => {
    const f = await fleet({ workerEnv: { PIA_CANCEL_GRACE_S: '0.2' } });
    const [task] = await f.create({ kind: 'run', machine: 'local', prompt: 'lines=1 sleep=30000', timeoutS: 0.5 });
    const done = await f.finished(task!.id);
    expect(done).toMatchObject({ state: 'timed_out', error: 'timed out after 0.5 s', cancelledBy: null });
  });

  it('runs at most PIA_MAX_TASKS at once per worker; the rest wait in order', async () => {
    const f = await fleet({ workerEnv: { PIA_MAX_TASKS: '1' } });
    const created = [];
    for (const name of ['first', 'second', 'third']) created.push((await f.create({ kind: 'run', machine: 'local', prompt: `${name} lines=1 sleep=150` }))[0]!);
    const states = (await f.t.api<{ tasks: Array<{ id: string; state: string }> }>('GET', '/api/tasks?machine=local')).body.tasks;
    expect(states.filter((t) => t.state === 'queued')).toHaveLength(2);
    const done = await Promise.all(created.map((t) => f.finished(t.id)));
    expect(done.every((t) => t.state === 'succeeded')).toBe(true);
    // In order, never overlapping.
    for (let i = 1; i < done.length; i++) expect(Date.parse(done[i]!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(done[i - 1]!.finishedAt!));
  });

  it('a queued task can be cancelled before it starts', async () => {
    const f = await fleet({ workerEnv: { PIA_MAX_TASKS: '1' } });
    const [busy] = await f.create({ kind: 'run', machine: 'local', prompt: 'lines=1 sleep=400' });
    const [waiting] = await f.create({ kind: 'run', machine: 'local', prompt: 'never lines=1' });
    const res = await f.t.api<{ task: { state: string; cancelledBy: string } }>('POST', `/api/tasks/${waiting!.id}/cancel`);
    expect(res.body.task).toMatchObject({ state: 'cancelled', cancelledBy: 'admin-token' });
    await f.finished(busy!.id);
    expect(await f.outputText(waiting!.id)).toBe('');
  });

  it('a task for an offline machine waits, and starts when it comes online', async () => {
    const f = await fleet();
    const { body } = await f.t.api<{ joinToken: string }>('POST', '/api/machines', { name: 'sleeper' });
    const [task] = await f.create({ kind: 'run', machine: 'sleeper', prompt: 'lines=1' });
    expect(task!.state).toBe('queued');
    const worker = testWorker({ hub: f.t.linkUrl, join: body.joinToken, env: fakeAgentEnv() });
    const online = nextEvent(f.t.pia.events, 'machine.online', (e) => e.machine === 'sleeper');
    void worker.run();
    await online;
    expect((await f.finished(task!.id)).state).toBe('succeeded');
    await worker.stop();
  });

  it('a queued task fails when its expiry passes', async () => {
    const f = await fleet({ hubEnv: { PIA_TASK_QUEUE_EXPIRY_H: '0.00001' }, options: { expirySweepMs: 50 } });
    await f.t.api('POST', '/api/machines', { name: 'gone' });
    const [task] = await f.create({ kind: 'run', machine: 'gone', prompt: 'x' });
    const done = await f.finished(task!.id);
    expect(done.state).toBe('failed');
    expect(done.error).toMatch(/^expired after waiting \d+ h for gone to come online$/);
  });
});
