import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exited, spawnPia } from '../../helpers/cli.js';
import { startFleet } from '../../helpers/fleet.js';
import { ADMIN_TOKEN, startTestHub } from '../../helpers/hub.js';
import { startTcpProxy } from '../../helpers/tcp-proxy.js';
import { tempDir } from '../../helpers/tmp.js';
import { nextEvent, until } from '../../helpers/wait.js';
import { fakeAgentEnv, testWorker } from '../../helpers/worker.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type TaskJson = { id: string; state: string; outputSeq: number };

async function api<T>(base: string, method: string, p: string, body?: unknown): Promise<T> {
  const res = await fetch(base + p, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return (await res.json()) as T;
}

async function allOutput(base: string, taskId: string): Promise<string> {
  let from = 1;
  let text = '';
  for (;;) {
    const { chunks, nextSeq } = await api<{ chunks: Array<{ seq: number; stream: string; data: string }>; nextSeq: number }>(base, 'GET', `/api/tasks/${taskId}/output?from=${from}`);
    if (chunks.length === 0) return text;
    chunks.forEach((c, i) => expect(c.seq).toBe(from + i)); // no gaps, no repeats
    for (const c of chunks) if (c.stream === 'stdout') text += c.data;
    from = nextSeq;
  }
}

function expectEveryLineOnce(stdout: string, lines: number): void {
  const got = stdout.trim().split('\n');
  expect(got.filter((l) => l.startsWith('prompt: '))).toHaveLength(1); // the agent ran once
  expect(got.slice(2)).toEqual(Array.from({ length: lines }, (_, i) => `line ${i + 1}`));
}

describe('output is never lost', () => {
  it('the hub killed with SIGKILL mid-task and restarted: every line once, in order, and the right final state', async () => {
    const data = tempDir('pia-kill-');
    cleanups.push(data.cleanup);
    // Find a free port for a hub that must come back on the same address.
    const probe = await startTestHub();
    const port = probe.port;
    await probe.stop();
    const env = { PIA_DATA_DIR: path.join(data.dir, 'hub'), PIA_PORT: String(port), PIA_ADMIN_TOKEN: ADMIN_TOKEN, PIA_LOCAL_WORKER: '0', PIA_LOG_FORMAT: 'json', PIA_HEARTBEAT_S: '1', PIA_OFFLINE_AFTER_S: '3' };
    const base = `http://127.0.0.1:${port}`;
    let hub = spawnPia(['hub'], env);
    cleanups.push(() => hub.kill('SIGKILL'));
    await until(async () => (await fetch(`${base}/api/health`).catch(() => undefined))?.ok, 15_000);

    const { joinToken } = await api<{ joinToken: string }>(base, 'POST', '/api/machines', { name: 'local' });
    const worker = testWorker({ hub: `ws://127.0.0.1:${port}/link`, join: joinToken, env: fakeAgentEnv() });
    cleanups.push(() => worker.stop());
    void worker.run();
    await until(() => worker.link.linked, 10_000);

    const { task } = await api<{ task: TaskJson }>(base, 'POST', '/api/tasks', { kind: 'run', machine: 'local', prompt: 'lines=800 rate=200' });
    await until(async () => (await api<{ task: TaskJson }>(base, 'GET', `/api/tasks/${task.id}`)).task.outputSeq > 5, 10_000);
    hub.kill('SIGKILL');
    await exited(hub);
    await new Promise((r) => setTimeout(r, 1000)); // output goes on into the worker's spool
    hub = spawnPia(['hub'], env);
    const done = await until(async () => {
      const res = await fetch(`${base}/api/tasks/${task.id}`).catch(() => undefined);
      if (!res) return undefined;
      const t = (await api<{ task: TaskJson }>(base, 'GET', `/api/tasks/${task.id}`)).task;
      return t.state === 'succeeded' || t.state === 'failed' || t.state === 'lost' ? t : undefined;
    }, 20_000);
    expect(done.state).toBe('succeeded');
    expectEveryLineOnce(await allOutput(base, task.id), 800);
    // The worker forgets the task only after the hub recorded it.
    await until(() => worker.tasks.ledger().length === 0, 5000);
  }, 40_000);

  it('the link cut silently for 10 s through a TCP proxy: the worker reconnects and replays, nothing lost', async () => {
    const f = await startFleet({ hubEnv: { PIA_HEARTBEAT_S: '0.5', PIA_OFFLINE_AFTER_S: '1.5' } });
    cleanups.push(() => f.stop());
    const proxy = await startTcpProxy(f.t.port);
    cleanups.push(() => proxy.close());
    const { body } = await f.t.api<{ joinToken: string }>('POST', '/api/machines', { name: 'far' });
    const worker = testWorker({ hub: `ws://127.0.0.1:${proxy.port}/link`, join: body.joinToken, env: fakeAgentEnv() });
    cleanups.push(() => worker.stop());
    const online = nextEvent(f.t.pia.events, 'machine.online', (e) => e.machine === 'far');
    void worker.run();
    await online;

    const [task] = await f.create({ kind: 'run', machine: 'far', prompt: 'lines=1300 rate=100' });
    await until(async () => (await f.t.api<{ task: TaskJson }>('GET', `/api/tasks/${task!.id}`)).body.task.outputSeq > 3, 5000);
    const offline = nextEvent(f.t.pia.events, 'machine.offline', (e) => e.machine === 'far', 5000);
    proxy.cut();
    await offline; // the hub noticed the silence
    await new Promise((r) => setTimeout(r, 10_000));
    const back = nextEvent(f.t.pia.events, 'machine.online', (e) => e.machine === 'far', 15_000);
    proxy.restore();
    await back;
    const done = await f.finished(task!.id, 20_000);
    expect(done.state).toBe('succeeded');
    expectEveryLineOnce(await f.outputText(task!.id, ['stdout']), 1300);
  }, 45_000);
});
