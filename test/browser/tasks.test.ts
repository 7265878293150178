import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../src/hub/tasks/task.js';
import { haveChromium, launchChromium, screenshot, signedIn } from '../helpers/browser.js';
import { makeBareRepo } from '../helpers/git.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { tempDir } from '../helpers/tmp.js';
import { nextEvent, until } from '../helpers/wait.js';
import { fakeAgentEnv, testWorker } from '../helpers/worker.js';

// The functions handed to page.evaluate run in the page; this file is compiled without the DOM's types.
declare const window: Record<string, unknown>;

const cleanups: Array<() => unknown> = [];
const workers: Array<() => unknown> = [];
let browser: Browser;
let t: TestHub;
const tmp = tempDir();

async function linkWorker(name: string): Promise<void> {
  const { body } = await t.api<{ joinToken: string }>('POST', '/api/machines', { name });
  const worker = testWorker({ hub: t.linkUrl, join: body.joinToken, env: { ...fakeAgentEnv(), PIA_ALLOW_FILE_REPOS: '1' } });
  const online = nextEvent(t.pia.events, 'machine.online', (e) => e.machine === name);
  void worker.run();
  await online;
  await until(() => worker.link.linked);
  workers.push(() => worker.stop());
}

async function runTask(body: object): Promise<Task> {
  const res = await t.api<{ tasks: Task[] }>('POST', '/api/tasks', body);
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  return res.body.tasks[0]!;
}

describe.skipIf(!haveChromium())('Mission Control in Chromium: deploys and tasks', () => {
  beforeAll(async () => {
    [browser, t] = await Promise.all([launchChromium(), startTestHub({ env: { PIA_ALLOW_FILE_REPOS: '1' } })]);
    await Promise.all([linkWorker('m2'), linkWorker('m3')]);
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  afterAll(async () => {
    for (const c of workers.splice(0)) await c();
    await browser?.close();
    await t?.stop();
    tmp.cleanup();
  });

  it('Fleet Deploy to two machines with a task each shows two cards with their live output', async () => {
    const repo = makeBareRepo(tmp.dir);
    const { page, context, errors } = await signedIn(browser, t);
    cleanups.push(() => context.close());
    await page.getByRole('link', { name: 'Deploy' }).click();
    await page.getByLabel('Repository URL').fill(repo.url);
    await page.getByLabel('m2').check();
    await page.getByLabel('m3').check();
    await page.getByLabel('A task per machine').check();
    await page.getByLabel('Task for m2').fill('fix the tests lines=3');
    await page.getByLabel('Task for m3').fill('update the docs lines=2');
    await page.getByLabel('Mode', { exact: true }).selectOption('edits');
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();

    for (const [machine, task] of [['m2', 'fix the tests lines=3'], ['m3', 'update the docs lines=2']]) {
      const card = page.getByRole('article', { name: `Deploy to ${machine}` });
      await expect.poll(() => card.locator('.state').textContent(), { timeout: 10_000 }).toBe('succeeded');
      await expect.poll(() => card.locator('.tail').textContent()).toContain(`prompt: ${task}`);
      expect(await card.locator('.tail').textContent()).toContain('/app');
    }
    const tasks = await t.tasks({ limit: 2 });
    expect(tasks.map((x) => [x.machine, x.kind, x.prompt, x.mode, x.requester, x.origin.kind]).sort()).toEqual([
      ['m2', 'deploy', 'fix the tests lines=3', 'edits', 'admin-token', 'web'],
      ['m3', 'deploy', 'update the docs lines=2', 'edits', 'admin-token', 'web'],
    ]);
    await screenshot(page, 'deploy');
    expect(errors).toEqual([]);
  });

  it('Cancel on a running task’s page stops it', async () => {
    const task = await runTask({ kind: 'run', machine: 'm2', prompt: 'take your time sleep=30000' });
    const { page, context, errors } = await signedIn(browser, t);
    cleanups.push(() => context.close());
    await page.goto(`${t.httpUrl}/#/tasks/${task.id}`);
    const state = page.locator('h1 .state');
    await expect.poll(() => state.textContent(), { timeout: 10_000 }).toBe('running');
    await expect.poll(() => page.getByLabel('Output').textContent(), { timeout: 10_000 }).toContain('prompt: take your time');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => state.textContent(), { timeout: 10_000 }).toBe('cancelled');
    expect(await page.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
    expect((await t.task(task.id))?.cancelledBy).toBe('admin-token');
    expect(errors).toEqual([]);
  });

  it('hostile task text and agent output are shown as text, with their colours, never as markup', async () => {
    const hostile = '\u001b[31m<img src=x onerror="window.pwned=1">red\u001b[0m <script>window.pwned=2</script> stderr=<b>bold</b>';
    const task = await runTask({ kind: 'run', machine: 'm3', prompt: hostile });
    const { page, context, errors } = await signedIn(browser, t);
    cleanups.push(() => context.close());
    await page.goto(`${t.httpUrl}/#/tasks/${task.id}`);
    await expect.poll(() => page.locator('h1 .state').textContent(), { timeout: 10_000 }).toBe('succeeded');
    const output = page.getByLabel('Output');
    await expect.poll(() => output.textContent()).toContain('<script>window.pwned=2</script>');
    expect(await output.locator('span.ansi-red-fg').first().textContent()).toBe('<img src=x onerror="window.pwned=1">red');
    expect(await output.locator('.stderr').textContent()).toContain('<b>bold</b>');
    expect(await page.locator('pre.prompt').textContent()).toBe(hostile);
    expect(await page.locator('main img, main script, main b').count()).toBe(0);

    await page.getByRole('navigation').getByRole('link', { name: 'Tasks' }).click();
    await expect.poll(() => page.locator(`tr[data-task="${task.id}"] .what`).textContent()).toContain('<img src=x');
    expect(await page.locator('main img, main script').count()).toBe(0);
    expect(await page.evaluate(() => window.pwned)).toBeUndefined();
    await screenshot(page, 'tasks');
    expect(errors).toEqual([]);
  });

  it('a follow-up continues the agent’s session; the full log downloads', async () => {
    const task = await runTask({ kind: 'run', machine: 'm2', prompt: 'first step', agent: 'claude' });
    const { page, context, errors } = await signedIn(browser, t);
    cleanups.push(() => context.close());
    await page.goto(`${t.httpUrl}/#/tasks/${task.id}`);
    await expect.poll(() => page.locator('h1 .state').textContent(), { timeout: 10_000 }).toBe('succeeded');
    // The agent's events render like in chat: its tool use as "▸" lines.
    await expect.poll(() => page.getByLabel('Output').textContent()).toContain('▸ Edit src/x.ts');
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download full log' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe(`pia-${task.id}.log`);
    await screenshot(page, 'task');

    await page.getByLabel('Continue this session').fill('second step');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(/#\/tasks\/(?!.*first)/);
    await expect.poll(() => page.getByLabel('Output').textContent(), { timeout: 10_000 }).toContain('resumed: sess-');
    expect(page.url()).not.toContain(task.id);
    expect(errors).toEqual([]);
  });
});
