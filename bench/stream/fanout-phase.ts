import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { StreamArgs } from './args.js';
import type { Cleanup } from '../fleet/cleanup.js';
import { enrollFleet } from '../fleet/enroll.js';
import { hubClient, waitForLinked } from '../fleet/hub-client.js';
import { freePort, startHub } from '../fleet/hub-process.js';
import { cpuMeter } from '../fleet/proc-stats.js';
import { forkChild, type Child } from './child.js';
import { FromFanout, type AssignReport } from './fanout-ipc.js';
import { hubApi } from './hub-api.js';
import { progress } from './progress.js';
import type { FanoutResult } from './result.js';

const fanoutEntry = fileURLToPath(new URL('./fanout-workers.js', import.meta.url));
/** Simulated machines per process: two processes for 1,000, so the receiving side is not one busy loop. */
const PER_PROCESS = 500;
const ASSIGN_TIMEOUT_MS = 30_000;

const isAssigns = (m: FromFanout): m is AssignReport => m.type === 'assigns';

async function assignsSoFar(children: Child<FromFanout>[]): Promise<{ assigns: number; firstAt: number; lastAt: number }> {
  const reports = await Promise.all(
    children.map((c) => {
      c.send({ type: 'report' });
      return c.next(isAssigns, 10_000, 'assignment report');
    }),
  );
  const got = reports.filter((r) => r.assigns > 0);
  return {
    assigns: reports.reduce((n, r) => n + r.assigns, 0),
    firstAt: Math.min(...got.map((r) => r.firstAt)),
    lastAt: Math.max(...got.map((r) => r.lastAt)),
  };
}

/**
 * Phase C: machines enrolled straight into a fresh hub's SQLite, linked by simulated workers, then one deploy to
 * all of them. Measures from just before the POST to the last `task.assign` a machine received.
 */
export async function runFanout(args: StreamArgs, cleanup: Cleanup, baseDir: string): Promise<FanoutResult> {
  const dataDir = path.join(baseDir, 'fanout-hub');
  mkdirSync(dataDir, { recursive: true });
  const enrolled = enrollFleet(dataDir, args.fanout);
  const token = randomBytes(24).toString('base64url');
  const hub = await startHub({ dataDir, port: await freePort(), token, timeoutMs: 30_000, cleanup });
  const children: Child<FromFanout>[] = [];
  const errors: string[] = [];
  try {
    for (let offset = 0; offset < enrolled.length; offset += PER_PROCESS) {
      const child = forkChild(fanoutEntry, FromFanout, cleanup, (m) => (m.type === 'error' ? m.message : undefined));
      children.push(child);
      await child.next((m): m is Extract<FromFanout, { type: 'ready' }> => m.type === 'ready', 30_000, 'fan-out process start');
      child.send({ type: 'start', url: hub.linkUrl, offset, workers: enrolled.slice(offset, offset + PER_PROCESS) });
    }
    const since = performance.now();
    const linked = await waitForLinked(hubClient(hub.httpUrl, token), args.fanout, { since, timeoutMs: args.phaseTimeoutS * 1000 });
    if (linked.ms === null) throw new Error(`only ${linked.linked}/${args.fanout} machines linked within ${args.phaseTimeoutS} s`);
    progress(`fanout: ${args.fanout} machines linked in ${(linked.ms / 1000).toFixed(1)} s; deploying to all`);
    // Let the link burst settle (hello writes, last-seen flushes) so the deploy is measured on its own.
    await sleep(1000);

    const api = hubApi(hub.httpUrl, token);
    const hubCpu = cpuMeter(() => [hub.pid]);
    const body = { kind: 'deploy', repo: 'https://example.com/acme/app.git', machines: enrolled.map((w) => w.name), prompt: 'go' };
    const t0 = Date.now();
    await api.post('/api/tasks', body, 60_000);
    const postMs = Date.now() - t0;
    let got = await assignsSoFar(children);
    while (got.assigns < args.fanout && Date.now() - t0 < ASSIGN_TIMEOUT_MS) {
      await sleep(50);
      got = await assignsSoFar(children);
    }
    const hubCpuPct = hubCpu.stop();
    if (got.assigns < args.fanout) errors.push(`only ${got.assigns}/${args.fanout} machines received their task within ${ASSIGN_TIMEOUT_MS / 1000} s`);
    errors.push(...children.flatMap((c) => c.complaints));
    const result: FanoutResult = {
      machines: args.fanout,
      linkMs: linked.ms,
      postMs,
      firstAssignMs: got.firstAt - t0,
      lastAssignMs: got.lastAt - t0,
      assigns: got.assigns,
      hubCpuPct,
      errors,
    };
    progress(`fanout: POST took ${postMs} ms; ${got.assigns}/${args.fanout} assigned, first after ${result.firstAssignMs} ms, last after ${result.lastAssignMs} ms`);
    return result;
  } finally {
    for (const c of children) c.kill();
    await hub.stop(10_000);
  }
}
