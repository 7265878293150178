import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalView } from '../../src/protocol/api.js';
import { haveChromium, launchChromium, screenshot, signedIn } from '../helpers/browser.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { tempDir } from '../helpers/tmp.js';
import { nextEvent, until } from '../helpers/wait.js';
import { dashboardLink, signIn } from '../helpers/web.js';
import { fakeAgentEnv, testWorker } from '../helpers/worker.js';

// A real hub and worker; the worker's `claude` is the stand-in speaking Claude Code's control protocol, and a file
// named `claude` on its PATH is what makes the worker report that agent as installed.
const OP = 'slack:UOP';
const VIEWER = 'slack:UVIEW';
const cleanups: Array<() => unknown> = [];
let stopWorker: () => unknown = () => undefined;
let browser: Browser;
let t: TestHub;
const tmp = tempDir();

const pendingOf = async (taskId: string) => (await t.api<{ approvals: ApprovalView[] }>('GET', `/api/approvals?task=${taskId}`)).body.approvals;

describe.skipIf(!haveChromium())('Mission Control in Chromium: approvals, agents and modes', () => {
  beforeAll(async () => {
    const bin = path.join(tmp.dir, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'claude'), '#!/bin/sh\nexit 0\n');
    chmodSync(path.join(bin, 'claude'), 0o755);
    [browser, t] = await Promise.all([launchChromium(), startTestHub({ env: { PIA_OPERATORS: OP, PIA_VIEWERS: VIEWER } })]);
    const { body } = await t.api<{ joinToken: string }>('POST', '/api/machines', { name: 'm2' });
    const worker = testWorker({ hub: t.linkUrl, join: body.joinToken, env: { ...fakeAgentEnv(), PATH: `${bin}:${process.env.PATH ?? ''}`, PIA_AGENT_NAMES: 'claude,codex' } });
    const online = nextEvent(t.pia.events, 'machine.online', (e) => e.machine === 'm2');
    void worker.run();
    await online;
    stopWorker = () => worker.stop();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  afterAll(async () => {
    await stopWorker();
    await browser?.close();
    await t?.stop();
    tmp.cleanup();
  });

  it('an operator runs a task with an installed agent and a mode, sees its approval live and allows it with a click', async () => {
    const { page, context, errors } = await signedIn(browser, t, OP);
    cleanups.push(() => context.close());
    await page.goto(`${t.httpUrl}/#/machines/m2`);
    const agent = page.getByLabel('Agent', { exact: true });
    // The agents offered are those the machine's worker can run: found installed, and its own templates.
    await expect.poll(() => agent.locator('option').allTextContents()).toEqual(['the machine’s default', 'claude (m2)', 'claude-argv (m2)', 'fake (m2)']);
    await agent.selectOption('claude');
    // Full mode is for admins: an operator is not offered it.
    expect(await page.getByLabel('Mode', { exact: true }).locator('option').allTextContents()).not.toContain('full: never ask (admins)');
    await page.getByLabel('Mode', { exact: true }).selectOption('ask');
    await page.getByLabel('Task', { exact: true }).fill('ask=1 lines=0');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.waitForURL(/#\/tasks\/[a-z0-9]+$/);
    const taskId = page.url().split('/').pop()!;

    const card = page.getByRole('article', { name: /^Approval / });
    await expect.poll(() => card.locator('pre.summary').textContent(), { timeout: 10_000 }).toBe('touch file-1.txt');
    expect(await card.getByRole('button').allTextContents()).toEqual(['Allow once', 'Allow for this task', 'Deny']);
    await expect.poll(() => page.locator('#approvals-count').textContent()).toBe('1');
    await screenshot(page, 'approval');

    await card.getByRole('button', { name: 'Allow once' }).click();
    await expect.poll(() => card.locator('.status').textContent()).toMatch(/^Allowed once by slack:UOP at /);
    expect(await card.getByRole('button').count()).toBe(0);
    await expect.poll(() => page.locator('h1 .state').textContent(), { timeout: 10_000 }).toBe('succeeded');
    await expect.poll(() => page.getByLabel('Output').textContent()).toContain('allowed 1');
    expect(await page.locator('#approvals-count').isHidden()).toBe(true);

    const task = await t.task(taskId);
    expect([task?.agent, task?.mode, task?.requester, task?.origin.kind]).toEqual(['claude', 'ask', OP, 'web']);
    const audit = (await t.api<{ entries: Array<{ actor: string; action: string; origin: string }> }>('GET', '/api/audit?limit=20')).body.entries;
    expect(audit).toContainEqual(expect.objectContaining({ actor: OP, action: 'approval.allow', origin: 'web' }));
    expect(errors).toEqual([]);
  });

  it('what a hostile agent asks is shown as text: escapes, mentions, markup and a megabyte cut short', async () => {
    const { page, context, errors } = await signedIn(browser, t);
    cleanups.push(() => context.close());
    await page.getByRole('link', { name: /^Approvals/ }).click();
    await t.api('POST', '/api/tasks', { kind: 'run', machine: 'm2', prompt: 'hostile lines=0', agent: 'claude' });
    const card = page.getByRole('article', { name: /^Approval / });
    const summary = card.locator('pre.summary');
    await expect.poll(() => summary.textContent(), { timeout: 10_000 }).toContain('<!channel> @everyone <@123456789> `id`');
    const text = (await summary.textContent())!;
    expect(text.length).toBeLessThanOrEqual(1000);
    // The worker made the escape, the carriage return and the bidi override visible as pictures; none acts here.
    expect([...text].filter((c) => c.charCodeAt(0) < 0x20 || c === '\u202e')).toEqual([]);
    expect(await summary.locator('*').count()).toBe(0);
    await card.getByRole('button', { name: 'Deny' }).click();
    await expect.poll(() => card.locator('.status').textContent()).toMatch(/^Denied by admin-token at /);
    expect(errors).toEqual([]);
  });

  it('a viewer sees what waits, live, without buttons (the API refuses the answer anyway); an answer from elsewhere updates the copy', async () => {
    const { page, context, errors } = await signedIn(browser, t, VIEWER);
    cleanups.push(() => context.close());
    const tile = page.locator('[data-machine="m2"]');
    await tile.waitFor();
    const res = await t.api<{ tasks: Array<{ id: string }> }>('POST', '/api/tasks', { kind: 'run', machine: 'm2', prompt: 'question lines=0', agent: 'claude' });
    const taskId = res.body.tasks[0]!.id;
    // The tile counts it without a reload; the navigation too.
    await expect.poll(() => tile.locator('dd[data-waiting]').textContent(), { timeout: 10_000 }).toBe('1 waiting');
    await page.getByRole('link', { name: /^Approvals/ }).click();
    const card = page.getByRole('article', { name: /^Approval / });
    await expect.poll(() => card.locator('.question').textContent()).toBe('Which database should we use?SQLite: A file on diskPostgres: A server');
    expect(await card.locator('button, input').count()).toBe(0);

    const [approval] = await until(async () => {
      const list = await pendingOf(taskId);
      return list.length ? list : undefined;
    });
    const viewer = await signIn(t, await dashboardLink(t, VIEWER));
    const refused = await viewer.call<{ error: { code: string } }>('POST', `/api/approvals/${approval!.id}`, { decision: 'answer', answer: '1' });
    expect([refused.status, refused.body.error.code]).toEqual([403, 'forbidden']);
    const asCommand = await viewer.call<{ result: { kind: string } }>('POST', '/api/commands', { command: { name: 'answer', id: approval!.id, text: '1' } });
    expect(asCommand.body.result.kind).toBe('refused');

    // Someone else answers (the admin token here; chat or mail alike): the viewer's copy says so, in place.
    const answered = await t.api('POST', `/api/approvals/${approval!.id}`, { decision: 'answer', answer: '2' });
    expect(answered.status).toBe(200);
    await expect.poll(() => card.locator('.status').textContent()).toMatch(/^Answered by admin-token at .+: Postgres$/);
    await expect.poll(() => page.locator('#approvals-count').isHidden()).toBe(true);
    await page.getByRole('link', { name: 'Fleet', exact: true }).click();
    await expect.poll(() => tile.locator('dd').last().textContent()).toBe('none');
    expect(errors).toEqual([]);
  });
});
