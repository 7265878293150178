import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pia } from '../../helpers/cli.js';
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../../helpers/hub.js';
import { linkRaw, outputFrame, type RawMachine } from '../../helpers/raw-link.js';
import { until } from '../../helpers/wait.js';

// One hand-linked machine: its tasks' output is exactly what the test sends, and a task runs until the test says.
let t: TestHub;
let m: RawMachine;
const cli = (...args: string[]) => pia(args, { PIA_URL: t.httpUrl, PIA_ADMIN_TOKEN: ADMIN_TOKEN });

beforeAll(async () => {
  t = await startTestHub();
  const { body } = await t.api<{ joinToken: string }>('POST', '/api/machines', { name: 'm1' });
  m = await linkRaw(t.linkUrl, 'm1', { kind: 'join', token: body.joinToken });
});

afterAll(async () => {
  m.link.ws.close();
  await t.stop();
});

/** A task on m1 with `chunks` of output; finished `daysAgo` days ago, or still running when that is undefined. */
async function task(chunks: string[], daysAgo?: number): Promise<string> {
  const { body } = await t.api<{ tasks: Array<{ id: string }> }>('POST', '/api/tasks', { kind: 'run', machine: 'm1', prompt: 'x' });
  const id = body.tasks[0]!.id;
  await m.link.waitFor((msg) => msg.type === 'task.assign' && (msg.task as { id: string }).id === id);
  m.link.ws.send(JSON.stringify({ type: 'task.started', taskId: id, workspace: '/w', at: Date.now() }));
  chunks.forEach((data, i) => m.link.ws.send(outputFrame(id, i + 1, data)));
  await m.link.waitFor((msg) => msg.type === 'output.ack' && msg.taskId === id && msg.seq === chunks.length);
  if (daysAgo === undefined) return id;
  const finishedAt = Date.now() - daysAgo * 86_400_000;
  m.link.ws.send(JSON.stringify({ type: 'task.finished', outcome: { taskId: id, state: 'succeeded', exitCode: 0, lastSeq: chunks.length, finishedAt } }));
  await m.link.waitFor((msg) => msg.type === 'task.recorded' && msg.taskId === id);
  return id;
}

const text = async (id: string) => (await t.api<{ chunks: Array<{ data: string }> }>('GET', `/api/tasks/${id}/output`)).body.chunks.map((c) => c.data).join('');
const gauge = (metrics: string, name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics)?.[1]);

describe('task output retention', () => {
  it('pia tasks prune removes old finished output (a dry run first), never a running task\'s; logs and status say so', async () => {
    const big = 'build log line, compressible and long enough to be compressed\n'.repeat(200);
    const old = await task([big, 'old done\n'], 40);
    const recent = await task(['recent done\n'], 3);
    const running = await task([big, 'still running\n']);

    const dry = await cli('tasks', 'prune', '--older-than', '30', '--dry-run');
    expect(dry.stdout).toMatch(/^Would remove the output of 1 task\(s\): 12 kB \(\d+ B on disk\), of tasks finished until \d{4}-\d\d-\d\d \d\d:\d\d\.\n$/);
    expect(await text(old)).toBe(big + 'old done\n');

    const real = await cli('tasks', 'prune', '--older-than', '30');
    expect(real.code).toBe(0);
    expect(real.stdout).toMatch(/^Removed the output of 1 task\(s\)/);
    expect(await text(old)).toBe('');
    expect(await text(recent)).toBe('recent done\n');
    const logs = await cli('logs', old, '-f');
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/^\(the output of \w+ was removed on \d{4}-\d\d-\d\d: the hub keeps finished tasks' output for PIA_OUTPUT_KEEP_DAYS/);
    expect(logs.stdout).toContain(`Task ${old} on m1 succeeded`);

    // A cap of 0: every finished task's output goes, the running one's stays.
    const capped = await cli('tasks', 'prune', '--max-gb', '0', '--json');
    expect(JSON.parse(capped.stdout).pruned).toMatchObject({ tasks: 1, outputBytes: 'recent done\n'.length, dryRun: false });
    expect(await text(recent)).toBe('');
    expect(await text(running)).toBe(big + 'still running\n');
    expect((await t.task(running))!).toMatchObject({ state: 'running', outputPrunedAt: null });
    expect((await t.task(recent))!.outputPrunedAt).not.toBeNull();

    const status = await cli('status');
    const kept = big.length + 'still running\n'.length;
    expect(status.stdout).toMatch(new RegExp(`\\nTask output: 12 kB kept in \\d+ B on disk; database \\d+ kB \\+ WAL [\\d.]+ [kM]?B \\([\\d.]+x the output\\), .* free for reuse; finished tasks' output kept 90 days, at most 10 GB on disk\\n`));
    const metrics = (await t.api<string>('GET', '/metrics')).body;
    expect(gauge(metrics, 'pia_output_kept_bytes')).toBe(kept);
    expect(gauge(metrics, 'pia_output_disk_bytes')).toBeLessThan(kept / 5);
    expect(metrics).toMatch(/^pia_database_bytes\{file="db"\} [1-9]\d+$/m);

    const audit = await t.api<{ entries: Array<{ action: string; detail: string | null }> }>('GET', '/api/audit');
    expect(audit.body.entries.filter((e) => e.action === 'task.prune').map((e) => e.detail)).toEqual(['over 0 GB', 'older than 30 days']);
  });

  it('pia tasks prune without a limit says how to use it, and a negative one is refused', async () => {
    const none = await cli('tasks', 'prune');
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain('Say which output goes: pia tasks prune --older-than <days> and/or --max-gb <gb>');
    const negative = await cli('tasks', 'prune', '--older-than', '-3');
    expect(negative.code).not.toBe(0);
    const { status, body } = await t.api<{ error: { message: string } }>('POST', '/api/tasks/prune', { maxGb: -1 });
    expect(status).toBe(400);
    expect(body.error.message).toMatch(/maxGb/);
  });
});

describe('the size cap applies by itself', () => {
  it('past PIA_OUTPUT_MAX_GB the oldest finished output goes at once, until the rest fits; the running task keeps its own', async () => {
    const h = await startTestHub({ env: { PIA_OUTPUT_MAX_GB: '0.000002' } }); // 2,000 bytes on disk
    try {
      const { body } = await h.api<{ joinToken: string }>('POST', '/api/machines', { name: 'm1' });
      const saved = { t, m };
      t = h;
      m = await linkRaw(h.linkUrl, 'm1', { kind: 'join', token: body.joinToken });
      try {
        // Random text: it compresses to about three quarters, so the sizes on disk are known well enough.
        const random = (n: number) => randomBytes(n).toString('base64').slice(0, n);
        const oldest = await task([random(1500)], 2); // about 1,150 bytes on disk
        const newer = await task([random(200)], 1); // 200 and its chunk table: stored as it is
        const runningText = random(1800);
        const running = await task([runningText]); // about 1,370: 2,700 in all, over the cap of 2,000
        await until(async () => (await h.task(oldest))!.outputPrunedAt !== null, 5000);
        // The oldest alone brings it under the cap: the newer one stays, and so does the running one.
        expect((await h.task(newer))!.outputPrunedAt).toBeNull();
        expect((await text(newer)).length).toBe(200);
        expect(await text(running)).toBe(runningText);
        const storage = (await h.api<{ storage: { outputDiskBytes: number } }>('GET', '/api/storage')).body.storage;
        expect(storage.outputDiskBytes).toBeLessThanOrEqual(2000);
      } finally {
        m.link.ws.close();
        ({ t, m } = saved);
      }
    } finally {
      await h.stop();
    }
  });
});
