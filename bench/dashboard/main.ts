/**
 * `npm run bench:dashboard`: 1,000 machines and 100 events a second into one open dashboard page in Chromium. Half
 * the events are status changes (simulated workers whose links drop and come back: machine.offline, then
 * machine.online), half are task output (a real worker running an agent that prints a coloured line 50 times a
 * second). Measures the first render of the fleet, event -> DOM latency, the page's memory over the run, and the
 * hub's CPU without and with the page's event stream; then the output's latency on the task's own page. Prints one
 * JSON line and a table on stdout, progress on stderr. Only loopback is used.
 */
import { fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { projectRoot } from '../../src/common/version.js';
import { installCleanup, killQuietly } from '../fleet/cleanup.js';
import { enrollFleet } from '../fleet/enroll.js';
import { freePort, startHub } from '../fleet/hub-process.js';
import { cpuMeter } from '../fleet/proc-stats.js';
import { machineInfo } from '../fleet/report.js';
import { parseDashboardArgs, type DashboardArgs } from './args.js';
import { FromFlapper } from './flap-ipc.js';
import { addSamples, collect, emptySamples, pageBusy, pageMemory, percentile, probeScript } from './page-probe.js';
import { report, type DashboardResult } from './report.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const progress = (text: string) => process.stderr.write(`[dashboard] ${text}\n`);
const CHROMIUM = '/usr/bin/chromium';
const WARMUP_S = 30;

async function run(args: DashboardArgs): Promise<DashboardResult> {
  const cleanup = installCleanup();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pia-bench-dashboard-'));
  cleanup.add(() => rmSync(dataDir, { recursive: true, force: true }));

  progress(`registering ${args.machines} machines`);
  const workers = enrollFleet(dataDir, args.machines);
  const token = `bench-${randomBytes(16).toString('hex')}`;
  const hub = await startHub({ dataDir, port: await freePort(), token, timeoutMs: 30_000, cleanup });
  const api = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const res = await fetch(hub.httpUrl + route, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    if (!res.ok) throw new Error(`${method} ${route} -> ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  };

  // The simulated fleet, in its own process.
  const flapper = fork(path.join(here, 'flapper.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  cleanup.add(() => killQuietly(flapper.pid));
  let linked = 0;
  let flaps = 0;
  flapper.on('message', (raw) => {
    const msg = FromFlapper.safeParse(raw);
    if (!msg.success) return;
    if (msg.data.type === 'status') ({ linked, flaps } = msg.data);
    if (msg.data.type === 'error') progress(`fleet: ${msg.data.message}`);
  });
  await new Promise<void>((resolve) => flapper.once('message', () => resolve()));
  flapper.send({ type: 'start', url: hub.linkUrl, workers });
  for (let waited = 0; linked < args.machines; waited++) {
    if (waited > 120) throw new Error(`only ${linked} of ${args.machines} workers linked after 60 s`);
    await sleep(500);
  }
  progress(`${linked} workers linked`);

  // A real worker whose agent prints coloured lines: the task output.
  const tickerDir = mkdtempSync(path.join(os.tmpdir(), 'pia-bench-ticker-'));
  cleanup.add(() => rmSync(tickerDir, { recursive: true, force: true }));
  const { joinToken } = await api<{ joinToken: string }>('POST', '/api/machines', { name: 'ticker' });
  const agent = { ticker: { command: [process.execPath, path.join(here, 'ticker-agent.js'), '--', '{prompt}'], format: 'text' } };
  const worker = spawn(process.execPath, [path.join(projectRoot, 'bin', 'pia.js'), 'worker', '--hub', hub.linkUrl, '--join', joinToken, '--name', 'ticker', '--state-dir', tickerDir], {
    env: { PATH: process.env.PATH ?? '', HOME: tickerDir, PIA_AGENTS: JSON.stringify(agent), PIA_AGENT: 'ticker', PIA_WORKSPACE: path.join(tickerDir, 'work'), PIA_REPO_ROOTS: tickerDir, PIA_LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  cleanup.add(() => killQuietly(worker.pid));
  for (let i = 0; (await api<{ machine: { status: string } }>('GET', '/api/machines/ticker')).machine.status !== 'online'; i++) {
    if (i > 100) throw new Error('the ticker worker did not link');
    await sleep(100);
  }

  // The events: rate/2 output lines and rate/4 flaps (two status events each) a second, for the whole run.
  const totalS = 5 + args.cpuWindowS + 60 + WARMUP_S + args.minutes * 60 + args.outputS + 60;
  const { tasks } = await api<{ tasks: Array<{ id: string }> }>('POST', '/api/tasks', { kind: 'run', machine: 'ticker', prompt: `rate=${args.rate / 2} seconds=${Math.ceil(totalS)}` });
  const taskId = tasks[0]!.id;
  // The worker reads the agent's lines as they come, sometimes two at once: the output events fall short of the
  // lines. So the status changes make up the rest: each second the output events are counted (the task's output
  // seq) and the link drops fill the rate (two status events each).
  let next = 0;
  let budget = 0;
  let flapsPerS = args.rate / 4;
  let lastSeq = 0;
  let lastAt = Date.now();
  const rateTimer = setInterval(() => {
    void api<{ task: { outputSeq: number } }>('GET', `/api/tasks/${taskId}`).then(({ task }) => {
      const now = Date.now();
      const outputPerS = ((task.outputSeq - lastSeq) * 1000) / (now - lastAt);
      if (lastSeq > 0) flapsPerS = Math.max(0, args.rate - outputPerS) / 2;
      lastSeq = task.outputSeq;
      lastAt = now;
    });
  }, 1000);
  const flapTimer = setInterval(() => {
    budget += (flapsPerS * 20) / 1000;
    for (; budget >= 1; budget--) {
      flapper.send({ type: 'flap', index: next });
      next = (next + 1) % args.machines;
    }
  }, 20);
  cleanup.add(() => {
    clearInterval(flapTimer);
    clearInterval(rateTimer);
  });

  await sleep(5000);
  progress(`hub CPU without a page: ${args.cpuWindowS} s`);
  const noPage = cpuMeter(() => [hub.pid]);
  await sleep(args.cpuWindowS * 1000);
  const hubCpuNoPage = noPage.stop();

  progress('opening the page in Chromium');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  cleanup.add(() => void browser.close());
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.addInitScript(probeScript);
  const { result } = await api<{ result: { url: string } }>('POST', '/api/commands', { command: { name: 'dashboard' }, origin: 'cli' });
  await page.goto(result.url);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForSelector('.tile');

  // First render: a fresh load of the fleet page until every machine has its tile, and the frame after.
  await page.goto('about:blank');
  const t0 = Date.now();
  await page.goto(`${hub.httpUrl}/#/fleet`);
  // Checked each frame inside the page: Playwright's waitForFunction evaluates its predicate with eval, which the
  // page's Content-Security-Policy refuses.
  const want = args.machines + 1;
  await page.evaluate(`new Promise((resolve, reject) => {
    const until = Date.now() + 60000;
    const check = () => document.querySelectorAll('.tile').length >= ${want} ? resolve(true) : Date.now() > until ? reject(new Error('no ${want} tiles within 60 s')) : requestAnimationFrame(check);
    check();
  })`);
  const firstRenderMs = Date.now() - t0;
  const firstRenderInPageMs = (await page.evaluate('new Promise((r) => requestAnimationFrame(() => r(performance.now())))')) as number;
  progress(`first render: ${firstRenderMs} ms (${Math.round(firstRenderInPageMs)} ms in the page)`);

  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await sleep(WARMUP_S * 1000);
  await collect(page);
  const memory = [{ atS: 0, ...(await pageMemory(cdp)) }];
  const withPage = cpuMeter(() => [hub.pid]);
  const busyStart = await pageBusy(cdp);
  const fleetSamples = emptySamples();
  const soakStart = Date.now();
  progress(`page open under the events for ${args.minutes} min`);
  while (Date.now() - soakStart < args.minutes * 60_000) {
    await sleep(Math.min(10_000, Math.max(0, args.minutes * 60_000 - (Date.now() - soakStart))));
    addSamples(fleetSamples, await collect(page));
    const atS = Math.round((Date.now() - soakStart) / 1000);
    if (atS - memory[memory.length - 1]!.atS >= 60) {
      memory.push({ atS, ...(await pageMemory(cdp)) });
      progress(`${atS} s: heap ${(memory[memory.length - 1]!.heapBytes / 1e6).toFixed(1)} MB, ${memory[memory.length - 1]!.nodes} nodes`);
    }
  }
  const soakS = (Date.now() - soakStart) / 1000;
  const hubCpuWithPage = withPage.stop();
  const busyEnd = await pageBusy(cdp);
  const busyPct = (k: keyof typeof busyEnd) => Math.round(((busyEnd[k] - busyStart[k]) / soakS) * 1000) / 10;
  const last = await pageMemory(cdp);
  if (memory[memory.length - 1]!.atS !== Math.round(soakS)) memory.push({ atS: Math.round(soakS), ...last });
  const tilesShown = (await page.evaluate(`document.querySelectorAll('.tile').length`)) as number;

  progress(`task output on the task's page for ${args.outputS} s`);
  await page.evaluate(`location.hash = '#/tasks/${taskId}'`);
  await page.waitForSelector('.output');
  await sleep(3000);
  await collect(page);
  await sleep(args.outputS * 1000);
  const outputSamples = await collect(page);

  clearInterval(flapTimer);
  clearInterval(rateTimer);
  await browser.close();
  flapper.send({ type: 'stop' });
  await sleep(500);

  const ms = (v: number) => Math.round(v * 10) / 10;
  return {
    machines: args.machines,
    rate: args.rate,
    minutes: args.minutes,
    eventsPerS: ms(fleetSamples.count / soakS),
    flaps,
    firstRenderMs,
    firstRenderInPageMs: Math.round(firstRenderInPageMs),
    status: { p50: ms(percentile(fleetSamples.sync.status, 50)), p99: ms(percentile(fleetSamples.sync.status, 99)), frameP50: ms(percentile(fleetSamples.frame.status, 50)), frameP99: ms(percentile(fleetSamples.frame.status, 99)), n: fleetSamples.sync.status.length },
    output: { p50: ms(percentile(outputSamples.sync.output, 50)), p99: ms(percentile(outputSamples.sync.output, 99)), frameP50: ms(percentile(outputSamples.frame.output, 50)), frameP99: ms(percentile(outputSamples.frame.output, 99)), n: outputSamples.sync.output.length },
    memory,
    heapGrowthPct: ms(((last.heapBytes - memory[0]!.heapBytes) / memory[0]!.heapBytes) * 100),
    nodesGrowthPct: ms(((last.nodes - memory[0]!.nodes) / memory[0]!.nodes) * 100),
    hubCpuNoPagePct: ms(hubCpuNoPage),
    hubCpuWithPagePct: ms(hubCpuWithPage),
    tilesShown,
    pageBusyPct: { task: busyPct('task'), script: busyPct('script'), layout: busyPct('layout'), style: busyPct('style') },
  };
}

let args: DashboardArgs;
try {
  args = parseDashboardArgs(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
try {
  const result = await run(args);
  const { text, missed } = report(result, machineInfo());
  process.stdout.write(`${JSON.stringify(result)}\n\n${text}\n`);
  process.exitCode = missed ? 1 : 0;
} catch (err) {
  process.stderr.write(`[dashboard] failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
}
process.exit();
