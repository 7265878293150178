import { startTestHub, type TestHub } from './hub.js';
import { nextEvent, until } from './wait.js';
import { fakeAgentEnv, testWorker } from './worker.js';
import type { Worker } from '../../src/worker/worker.js';
import type { Task } from '../../src/hub/tasks/task.js';

/** A hub with one enrolled, linked worker that runs the fake agent. */
export interface TestFleet {
  t: TestHub;
  worker: Worker & { stateDir: string; workspace: string };
  /** Creates a task through the HTTP API. */
  create(body: object): Promise<Task[]>;
  /** Waits for a task to reach a final state and returns it. */
  finished(taskId: string, timeoutMs?: number): Promise<Task>;
  /** Concatenated stdout+stderr of a task, from the API. */
  outputText(taskId: string, streams?: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** Starts the fleet. `workerEnv` adds worker variables (PIA_MAX_TASKS, PIA_CANCEL_GRACE_S, ...). */
export async function startFleet(
  opts: { hubEnv?: Record<string, string>; workerEnv?: Record<string, string>; name?: string; options?: NonNullable<Parameters<typeof startTestHub>[0]>['options'] } = {},
): Promise<TestFleet> {
  const t = await startTestHub({ env: { PIA_ALLOW_FILE_REPOS: '1', ...opts.hubEnv }, ...(opts.options ? { options: opts.options } : {}) });
  const name = opts.name ?? 'local';
  const { body } = await t.api<{ joinToken: string }>('POST', '/api/machines', { name });
  const worker = testWorker({ hub: t.linkUrl, join: body.joinToken, env: { ...fakeAgentEnv(), PIA_ALLOW_FILE_REPOS: '1', ...opts.workerEnv } });
  const online = nextEvent(t.pia.events, 'machine.online', (e) => e.machine === name);
  void worker.run().catch(() => undefined);
  await online;
  await until(() => worker.link.linked);
  return {
    t,
    worker,
    async create(req) {
      const res = await t.api<{ tasks: Task[]; error?: { message: string } }>('POST', '/api/tasks', req);
      if (res.status !== 201) throw new Error(`POST /api/tasks -> ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body.tasks;
    },
    async finished(taskId, timeoutMs = 10_000) {
      const done = await until(async () => {
        const { body } = await t.api<{ task: Task }>('GET', `/api/tasks/${taskId}`);
        return ['succeeded', 'failed', 'cancelled', 'timed_out', 'lost'].includes(body.task.state) ? body.task : undefined;
      }, timeoutMs);
      return done;
    },
    async outputText(taskId, streams = ['stdout', 'stderr']) {
      let from = 1;
      let text = '';
      for (;;) {
        const { body } = await t.api<{ chunks: Array<{ seq: number; stream: string; data: string }>; nextSeq: number }>('GET', `/api/tasks/${taskId}/output?from=${from}`);
        if (body.chunks.length === 0) return text;
        for (const c of body.chunks) if (streams.includes(c.stream)) text += c.data;
        from = body.nextSeq;
      }
    },
    async stop() {
      await worker.stop();
      await t.stop();
    },
  };
}
