import type { CDPSession, Page } from 'playwright-core';

/**
 * Runs in the page before its own scripts: wraps EventSource so that, for every event the page's handler has
 * taken, it records how long ago the hub emitted it (the event's `at`) — once right after the handler returned
 * (the DOM is updated by then: the page's handlers change it synchronously) and once at the next animation frame
 * (when the change can be painted). Samples are kept by kind until the benchmark collects them.
 */
export const probeScript = `(() => {
  const samples = { sync: { status: [], output: [], other: [] }, frame: { status: [], output: [], other: [] }, count: 0 };
  Object.defineProperty(window, '__bench', { value: samples });
  const Original = window.EventSource;
  window.EventSource = class extends Original {
    addEventListener(type, fn, options) {
      if (type !== 'message') return super.addEventListener(type, fn, options);
      return super.addEventListener(type, (msg) => {
        fn(msg);
        const now = Date.now();
        let event;
        try { event = JSON.parse(msg.data); } catch { return; }
        const at = Date.parse(event.at);
        const kind = event.event === 'task.output' ? 'output' : event.event.startsWith('machine.') ? 'status' : 'other';
        samples.count++;
        samples.sync[kind].push(now - at);
        requestAnimationFrame(() => samples.frame[kind].push(Date.now() - at));
      }, options);
    }
  };
})();`;

/** Latency samples (ms) by kind, taken out of the page (so they do not grow its memory). */
export interface Samples {
  sync: Record<'status' | 'output' | 'other', number[]>;
  frame: Record<'status' | 'output' | 'other', number[]>;
  count: number;
}

/** Takes the samples recorded so far out of the page. */
export function collect(page: Page): Promise<Samples> {
  return page.evaluate(`(() => {
    const s = window.__bench;
    const take = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v.splice(0)]));
    const out = { sync: take(s.sync), frame: take(s.frame), count: s.count };
    s.count = 0;
    return out;
  })()`) as Promise<Samples>;
}

/** Adds one collection to a running total. */
export function addSamples(total: Samples, more: Samples): void {
  for (const when of ['sync', 'frame'] as const) for (const kind of ['status', 'output', 'other'] as const) for (const v of more[when][kind]) total[when][kind].push(v);
  total.count += more.count;
}

export function emptySamples(): Samples {
  return { sync: { status: [], output: [], other: [] }, frame: { status: [], output: [], other: [] }, count: 0 };
}

/** The page's memory and DOM size after a full garbage collection, from Chromium's own counters (CDP). */
export async function pageMemory(cdp: CDPSession): Promise<{ heapBytes: number; nodes: number; listeners: number }> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const get = (name: string) => metrics.find((m) => m.name === name)?.value ?? 0;
  return { heapBytes: get('JSHeapUsedSize'), nodes: get('Nodes'), listeners: get('JSEventListeners') };
}

/** Seconds the page's main thread has spent so far: in all, and in script, layout and style (Chromium's counters). */
export interface PageBusy {
  task: number;
  script: number;
  layout: number;
  style: number;
}

export async function pageBusy(cdp: CDPSession): Promise<PageBusy> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const get = (name: string) => metrics.find((m) => m.name === name)?.value ?? 0;
  return { task: get('TaskDuration'), script: get('ScriptDuration'), layout: get('LayoutDuration'), style: get('RecalcStyleDuration') };
}

/** The p-th percentile (nearest rank) of a list of numbers; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
