import { setTimeout as sleep } from 'node:timers/promises';

/** Reads the hub's admin API over loopback with the admin token. */
export interface HubClient {
  /** `pia_linked_workers` from /metrics: links that completed the hello, right now. */
  linkedWorkers(): Promise<number>;
  /** One `GET /api/machines`, timed to the last byte of the body; with the machine and online counts. */
  timeMachines(): Promise<{ ms: number; bytes: number; machines: number; online: number }>;
}

/** Creates a client for the hub at `httpUrl` (e.g. http://127.0.0.1:4000). */
export function hubClient(httpUrl: string, token: string): HubClient {
  const headers = { authorization: `Bearer ${token}` };
  return {
    async linkedWorkers() {
      const res = await fetch(`${httpUrl}/metrics`, { headers, signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new Error(`GET /metrics: HTTP ${res.status}`);
      const m = /^pia_linked_workers (\d+)$/m.exec(await res.text());
      if (!m) throw new Error('GET /metrics has no pia_linked_workers');
      return Number(m[1]);
    },
    async timeMachines() {
      const t0 = performance.now();
      const res = await fetch(`${httpUrl}/api/machines`, { headers, signal: AbortSignal.timeout(30_000) });
      const body = await res.text();
      const ms = performance.now() - t0;
      if (!res.ok) throw new Error(`GET /api/machines: HTTP ${res.status}`);
      const { machines } = JSON.parse(body) as { machines: { status: string }[] };
      return { ms, bytes: Buffer.byteLength(body), machines: machines.length, online: machines.filter((m) => m.status === 'online').length };
    },
  };
}

/** The outcome of waiting for the whole fleet to be linked. */
export interface WaitResult {
  /** Milliseconds from `since` until all were linked, or null when the deadline passed first. */
  ms: number | null;
  /** The last count seen. */
  linked: number;
}

/**
 * Polls the hub's metrics until `target` workers are linked or `timeoutMs` passes. Errors (the hub restarting,
 * busy) count as "not yet": the deadline alone decides failure. `onProgress` gets the count about once a second.
 */
export async function waitForLinked(
  client: HubClient,
  target: number,
  opts: { since: number; timeoutMs: number; everyMs?: number; onProgress?: (linked: number, elapsedMs: number) => void },
): Promise<WaitResult> {
  let linked = 0;
  let lastProgress = 0;
  for (;;) {
    try {
      linked = await client.linkedWorkers();
    } catch {
      // keep the previous count; the deadline decides
    }
    const elapsed = performance.now() - opts.since;
    if (linked >= target) return { ms: elapsed, linked };
    if (elapsed > opts.timeoutMs) return { ms: null, linked };
    if (opts.onProgress && elapsed - lastProgress >= 1000) {
      lastProgress = elapsed;
      opts.onProgress(linked, elapsed);
    }
    await sleep(opts.everyMs ?? 100);
  }
}
