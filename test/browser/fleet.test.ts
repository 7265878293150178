import net from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, launchChromium, screenshot, signedIn } from '../helpers/browser.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { silentPorts } from '../helpers/silent-port.js';
import { expectedMagicPacket, udpListener } from '../helpers/udp.js';
import { nextEvent, until } from '../helpers/wait.js';
import { testWorker } from '../helpers/worker.js';

// The functions handed to page.evaluate run in the page and use its globals; this file is compiled without the DOM's
// types, so the few it uses are declared here.
declare const window: Record<string, unknown>;
declare const document: {
  body: { dataset: Record<string, string | undefined> };
  documentElement: { scrollWidth: number };
  querySelector(selector: string): { textContent: string | null } | null;
  getElementById(id: string): unknown;
};
declare const MutationObserver: new (fn: () => void) => { observe(target: unknown, options: object): void };

const MAC = '02:00:5e:10:00:07';
const cleanups: Array<() => unknown> = [];
let browser: Browser;
let t: TestHub;
let nic: Awaited<ReturnType<typeof udpListener>>;

describe.skipIf(!haveChromium())('Mission Control in Chromium: the fleet', () => {
  beforeAll(async () => {
    nic = await udpListener();
    [browser, t] = await Promise.all([
      launchChromium(),
      startTestHub({
        env: { PIA_WOL_TARGETS: `127.0.0.1:${nic.port}`, PIA_WAKE_POLL_S: '0.1', PIA_WAKE_TIMEOUT_S: '8', PIA_PROBE_TIMEOUT_MS: '200', PIA_PROBE_INTERVAL_S: '3600', PIA_BOOTSTRAP_AFTER_S: '8', PIA_VIEWERS: 'slack:UVIEW' },
      }),
    ]);
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    nic?.close();
  });

  it('signs in with a one-time link; a worker linking turns its dot green without a reload', async () => {
    const { body } = await t.api<{ joinToken: string }>('POST', '/api/machines', { name: 'm2', aliases: ['soda'], capabilities: { tags: ['gpu'] } });
    await t.api('POST', '/api/machines', { name: 'm3' });
    const { page, context, errors } = await signedIn(browser, t);
    cleanups.push(() => context.close());
    const dot = page.locator('[data-machine="m2"] .dot');
    await expect.poll(() => dot.getAttribute('data-state')).toBe('unknown');
    await page.evaluate(() => Object.assign(window, { stillHere: true }));

    const worker = testWorker({ hub: t.linkUrl, join: body.joinToken });
    cleanups.push(() => worker.stop());
    void worker.run();
    await expect.poll(() => dot.getAttribute('data-state'), { timeout: 5000 }).toBe('online');
    expect(await page.evaluate(() => window.stillHere)).toBe(true);
    await expect.poll(() => page.locator('[data-machine="m2"]').textContent()).toContain('CPUs');

    // Search and filter change what is shown, not what is loaded.
    await page.getByLabel('Search').fill('soda');
    await expect.poll(() => page.locator('.tile:visible').count()).toBe(1);
    await page.getByLabel('Search').fill('');
    await page.getByLabel('Status').selectOption('online');
    await expect.poll(() => page.locator('.tile:visible').count()).toBe(1);
    await page.getByLabel('Status').selectOption('');
    await screenshot(page, 'fleet');

    await page.setViewportSize({ width: 390, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'fleet-phone');
    expect(errors).toEqual([]);
  });

  it('Wake: the stand-in boots on the magic packet, the toast shows each step, and the dot ends green', async () => {
    const silent = await silentPorts(1);
    const port = silent.ports[0]!;
    const caps = { mac: MAC, ip: '127.0.0.1', probePorts: [port], wolTargets: [`127.0.0.1:${nic.port}`] };
    const { body } = await t.api<{ joinToken: string }>('POST', '/api/machines', { name: 'standin', capabilities: caps });
    // Linked once (so its facts are known), then "switched off".
    const first = testWorker({ hub: t.linkUrl, join: body.joinToken });
    const online = nextEvent(t.pia.events, 'machine.online', (e) => e.machine === 'standin');
    void first.run();
    await online;
    await first.stop();
    await until(async () => (await t.machine('standin')).status === 'offline');

    // The stand-in: a magic packet "powers it on"; its port opens, then its worker links.
    let booted = false;
    nic.onPacket((data) => {
      if (booted || !data.equals(expectedMagicPacket(MAC))) return;
      booted = true;
      setTimeout(async () => {
        await silent.close();
        const server = net.createServer((s) => s.destroy()).listen(port, '127.0.0.1');
        cleanups.push(() => server.close());
        setTimeout(() => {
          const worker = testWorker({ hub: t.linkUrl, stateDir: first.stateDir });
          cleanups.push(() => worker.stop());
          void worker.run();
        }, 300);
      }, 300);
    });

    const { page, context, errors } = await signedIn(browser, t);
    cleanups.push(() => context.close());
    await page.evaluate(() => {
      const steps: string[] = [];
      Object.assign(window, { toastSteps: steps });
      new MutationObserver(() => {
        const step = document.querySelector('.toast[data-machine="standin"] .step')?.textContent;
        if (step && steps[steps.length - 1] !== step) steps.push(step);
      }).observe(document.getElementById('toasts'), { subtree: true, childList: true, characterData: true });
    });
    await page.getByRole('button', { name: 'Wake standin' }).click();
    const toast = page.locator('.toast[data-machine="standin"]');
    await expect.poll(() => toast.getAttribute('data-state'), { timeout: 15_000 }).toBe('succeeded');
    expect(await toast.textContent()).toContain('standin is online.');
    expect(await page.evaluate(() => window.toastSteps)).toEqual(['Starting', 'Magic packets', 'Waiting for it to wake', 'Waiting for the worker', 'Done']);
    await expect.poll(() => page.locator('[data-machine="standin"] .dot').getAttribute('data-state')).toBe('online');
    await screenshot(page, 'wake');
    expect(errors).toEqual([]);
  });

  it('settings: a bad MAC shows the API’s message in the dialog and saves nothing; a good one saves', async () => {
    await t.api('POST', '/api/machines', { name: 'm5' });
    const { page, context, errors } = await signedIn(browser, t);
    cleanups.push(() => context.close());
    await page.goto(`${t.httpUrl}/#/machines/m5`);
    await page.getByRole('button', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings of m5' });
    await dialog.getByLabel('MAC address').fill('not-a-mac');
    const message = '"not-a-mac" is not a MAC address; use aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff or 12 hex digits';
    await expect.poll(() => dialog.locator('#set-mac-error').textContent()).toBe(message);
    await screenshot(page, 'settings');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => dialog.locator('#set-mac-error').textContent()).toBe(message);
    expect(await dialog.isVisible()).toBe(true);
    expect((await t.machine('m5')).capabilities.mac).toBeUndefined();

    await dialog.getByLabel('MAC address').fill('AA-BB-CC-DD-EE-01');
    await dialog.getByLabel('Tags').fill('lab, gpu');
    await dialog.getByLabel('Default mode').selectOption('plan');
    // m5 never linked: no agent was found on it, so the hub's default is the one choice.
    expect(await dialog.getByLabel('Default agent').locator('option').allTextContents()).toEqual(['the hub’s default']);
    await expect.poll(() => dialog.locator('#set-mac-error').textContent()).toBe('');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect((await t.machine('m5')).capabilities).toMatchObject({ mac: 'aa:bb:cc:dd:ee:01', tags: ['lab', 'gpu'], defaultMode: 'plan' });
    await expect.poll(() => page.locator('.facts').textContent()).toContain('aa:bb:cc:dd:ee:01');
    // The tags are labels at once, as any[lab] would match them.
    await expect.poll(() => page.locator('.facts').textContent()).toMatch(/Labels\s*gpu lab/);
    await expect.poll(() => page.locator('.audit').textContent()).toContain('machine.update');
    await screenshot(page, 'machine');
    expect(errors).toEqual([]);
  });

  it('a viewer sees no action buttons, and the API refuses them anyway', async () => {
    const { page, context, errors } = await signedIn(browser, t, 'slack:UVIEW');
    cleanups.push(() => context.close());
    await page.locator('.tile').first().waitFor();
    expect(await page.locator('.tile button').count()).toBe(0);
    await page.goto(`${t.httpUrl}/#/machines/m3`);
    await page.getByRole('heading', { name: 'Facts' }).waitFor();
    expect(await page.locator('main button').count()).toBe(0);
    const status = await page.evaluate(async () => {
      const res = await fetch('/api/machines/m3/wake', { method: 'POST', headers: { 'x-csrf-token': document.body.dataset.csrf ?? '' } });
      const cmd = await fetch('/api/commands', {
        method: 'POST',
        headers: { 'x-csrf-token': document.body.dataset.csrf ?? '', 'content-type': 'application/json' },
        body: JSON.stringify({ command: { name: 'wake', machine: { kind: 'name', name: 'm3' } } }),
      });
      return [res.status, ((await cmd.json()) as { result: { kind: string } }).result.kind];
    });
    expect(status).toEqual([403, 'refused']);
    await page.goto(`${t.httpUrl}/#/deploy`);
    await expect.poll(() => page.locator('main').textContent()).toContain('Deploying needs the operator role.');
    expect(errors).toEqual([]);
  });
});
