import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { seededRng } from '../../test/helpers/fuzz.js';
import { frame, helloFrame, rawSession, wsSession, type Frame, type Targets } from '../../test/helpers/hostile-frames.js';
import { linkRaw } from '../../test/helpers/raw-link.js';
import type { Cleanup } from '../fleet/cleanup.js';
import { freePort } from '../fleet/hub-process.js';
import { readMemory } from '../fleet/proc-stats.js';
import { percentile } from '../fleet/stats.js';
import type { FaultsArgs } from './args.js';
import { startPiaFleet } from './pia-fleet.js';
import { outcome, progress, type ScenarioResult } from './result.js';
import { verifyCountingTasks, waitAllFinal } from './verify-tasks.js';

const SEED = 20261207;
const LANES = 8;
/** The good worker gets a new task this often while the frames fly, so it is always running one. */
const GOOD_TASK_EVERY_MS = 5000;
const GOOD_LINES = 100;
const GOOD_RATE = 20;
const MB = 1024 * 1024;
const Output = z.object({ chunks: z.array(z.object({ seq: z.number(), data: z.string() })) });

/**
 * 7. Hostile frames: `--frames` mutated frames (the link fuzz test's generator: valid messages with wrong types,
 * huge numbers, another machine's task ids, `__proto__` keys, deep nesting, invalid UTF-8, binary frames, cut
 * frames), authenticated as an enrolled machine "evil" and not, some clients ignoring the close; meanwhile a real
 * worker runs tasks. Checks the hub's process stays up with RSS within 20 % of its start, /api/health p99 under
 * 100 ms, the good worker's tasks exact, and evil's task log holding only what evil sent for it.
 */
export async function hostileFrames(args: FaultsArgs, cleanup: Cleanup): Promise<ScenarioResult> {
  const fleet = await startPiaFleet({ workers: 1, maxTasks: 4, hubPort: await freePort(), cleanup, hubEnv: { PIA_LOG_LEVEL: 'error' } });
  const { api, hub } = fleet;
  const evil = await linkRaw(hub.linkUrl, 'evil', { kind: 'join', token: await api.addMachine('evil') });
  evil.link.ws.close();
  await evil.link.closed;
  const goodTasks = await fleet.createTasks(1, 5, 100);
  await waitAllFinal(api, [goodTasks[0]!.id], 30_000);
  const doneBefore = JSON.stringify(await api.get(`/api/tasks/${goodTasks[0]!.id}/output?from=1&limit=10000`));
  const evilTask = await api.createTask({ kind: 'run', machine: 'evil', prompt: 'raw' });
  goodTasks.push(...(await fleet.createTasks(1, GOOD_LINES, GOOD_RATE)));
  const tg: Targets = { goodRunning: goodTasks[1]!.id, goodDone: goodTasks[0]!.id, evilTask: evilTask.id, evilSent: new Set() };

  // Every session generated up front from the seed, so a run can be replayed.
  const rng = seededRng(SEED);
  const sessions: { hello: string | undefined; frames: Frame[]; ignoresClose: boolean }[] = [];
  let total = 0;
  while (total < args.frames) {
    const authenticated = rng.chance(0.6);
    const ignoresClose = rng.chance(0.4);
    const hello = authenticated || rng.chance(0.5) ? helloFrame(rng, tg, authenticated, evil.secret) : undefined;
    const frames = Array.from({ length: Math.min(20 + rng.int(60), args.frames - total) }, () => frame(rng, tg));
    total += frames.length;
    sessions.push({ hello, frames, ignoresClose });
  }
  // RSS is judged against the hub once warm (after the first tenth of the sessions): a process started a moment ago
  // has not grown its heap to its working size yet, and growth after that point is what a leak looks like.
  const rssCold = readMemory(hub.pid).rssBytes / MB;
  let rssStart = rssCold;
  let rssMax = rssCold;
  const warmAfter = Math.ceil(sessions.length / 10);
  const healthMs: number[] = [];
  let healthFailures = 0;
  let flooding = true;
  const watcher = (async () => {
    let nextTask = performance.now() + GOOD_TASK_EVERY_MS;
    while (flooding) {
      const t0 = performance.now();
      try {
        const res = await fetch(`${hub.httpUrl}/api/health`, { signal: AbortSignal.timeout(5000) });
        if (!res.ok) healthFailures++;
        await res.arrayBuffer();
        healthMs.push(performance.now() - t0);
      } catch {
        healthFailures++;
      }
      try {
        rssMax = Math.max(rssMax, readMemory(hub.pid).rssBytes / MB);
      } catch {
        healthFailures++; // the process is gone
      }
      if (performance.now() >= nextTask) {
        nextTask += GOOD_TASK_EVERY_MS;
        goodTasks.push(...(await fleet.createTasks(1, GOOD_LINES, GOOD_RATE)));
      }
      await sleep(100);
    }
  })();

  const t0 = performance.now();
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: LANES }, async () => {
      while (next < sessions.length) {
        const s = sessions[next++]!;
        await (s.ignoresClose ? rawSession(hub.linkUrl, s.hello, s.frames) : wsSession(hub.linkUrl, s.hello, s.frames));
        if (++done === warmAfter) rssMax = rssStart = readMemory(hub.pid).rssBytes / MB;
        if (done % 200 === 0) progress(`  7: ${done}/${sessions.length} sessions; hub RSS ${(readMemory(hub.pid).rssBytes / MB).toFixed(0)} MB`);
      }
    }),
  );
  const floodS = (performance.now() - t0) / 1000;
  flooding = false;
  await watcher;

  const problems: string[] = [];
  const finalMs = await waitAllFinal(api, goodTasks.map((t) => t.id), 60_000);
  if (finalMs === null) problems.push('the good worker did not finish its tasks within 60 s of the flood');
  const checked = await verifyCountingTasks(
    api,
    goodTasks.slice(1),
    GOOD_LINES,
    fleet.startsFile,
  );
  problems.push(...checked.problems);
  if (JSON.stringify(await api.get(`/api/tasks/${tg.goodDone}/output?from=1&limit=10000`)) !== doneBefore) problems.push('the finished task of the good worker changed');
  const evilChunks = Output.parse(await api.get(`/api/tasks/${tg.evilTask}/output?from=1&limit=10000`)).chunks;
  const foreign = evilChunks.filter((c) => !tg.evilSent.has(c.data)).length;
  if (foreign) problems.push(`${foreign} chunks in evil's task log that evil did not send`);
  const p99 = percentile(healthMs, 99);
  if (healthFailures) problems.push(`${healthFailures} health checks failed`);
  if (p99 >= 100) problems.push(`/api/health p99 ${p99.toFixed(0)} ms (target < 100 ms)`);
  if (rssMax > rssStart * 1.2) problems.push(`hub RSS rose from ${rssStart.toFixed(0)} MB (warm) to ${rssMax.toFixed(0)} MB (more than 20 %)`);
  await fleet.workers.stop(10_000);
  await hub.stop(10_000);
  return outcome(
    {
      id: 7,
      name: 'hostile-frames',
      load: `a real worker running ${goodTasks.length - 1} tasks; ${sessions.length.toLocaleString('en-US')} hostile sessions, ${LANES} at once`,
      fault: `${total.toLocaleString('en-US')} mutated frames (text, binary, invalid UTF-8, deep, __proto__), as "evil" and as strangers`,
      checked: 'hub up; RSS within 20 % of warm; /api/health p99 < 100 ms; good tasks exact; no foreign byte in any log',
      figures: {
        frames: total,
        'flood s': Math.round(floodS),
        'frames/s': Math.round(total / floodS),
        'health p99 ms': Math.round(p99),
        'RSS cold MB': Math.round(rssCold),
        'RSS warm MB': Math.round(rssStart),
        'RSS max MB': Math.round(rssMax),
        'good tasks ok': goodTasks.length - 1 - checked.problems.length,
        'foreign chunks': foreign,
      },
    },
    problems,
  );
}
