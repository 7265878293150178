import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cleanup } from '../fleet/cleanup.js';
import { freePort } from '../fleet/hub-process.js';
import { describe, hubApi, OperationBody } from './hub-api.js';
import { startPowerHub } from './hub-process.js';
import { progress } from './progress.js';
import { fillRegistry } from './registry-fill.js';
import { benchMac, type MagicSink } from './udp-sink.js';

const PACKET_WAIT_MS = 2000;
/** After the last cancel: time for the operations to record that they ended. */
const SETTLE_MS = 500;

/** Wakes through the hub's HTTP API, timed from the request to the first magic packet. */
export interface WakeResult {
  /** Machines woken. */
  machines: number;
  /** Other machines in the registry (see {@link fillRegistry}). */
  registry: number;
  /** Median `machines.list()` over that registry, timed in this process before the hub started (ms). */
  listMs: number | null;
  /** Per wake with a packet: from just before `POST /wake` to the first packet at the sink (ms), in order. */
  toPacketMs: number[];
  /** Per wake: the POST's own time to the last byte of its 202 (ms), in order. */
  postMs: number[];
  /**
   * Per wake: from just before the POST to the operation's `startedAt` in the hub (the hub's wall clock has
   * millisecond resolution, so each value is +-1 ms): the HTTP request, auth and registry look-up.
   */
  toOpStartMs: number[];
  /** Per wake with a packet: from the hub's `startedAt` to the packet at the sink (+-1 ms, as above). */
  opStartToPacketMs: number[];
  /** Per wake with a packet: from the POST's response (last byte read) to the packet; negative when it came first. */
  afterResponseMs: number[];
  /** Wakes whose first packet arrived before their POST's response did. */
  packetBeforeResponse: number;
  /** Wakes with no packet within 2 s. */
  lost: number;
  /** Magic packets the sink received for these machines (a burst is 3, cut short by the cancel). */
  packetsReceived: number;
  /** Final state of each operation, counted (all `cancelled` expected). */
  opStates: Record<string, number>;
  hubLog: Record<string, number>;
  errors: string[];
}

/**
 * Starts a hub as an operator would (its registry filled with `registry` other machines first), registers
 * `count` machines over its API (each with a MAC, IP 127.0.0.1, a silent probe port, and the sink as its only WoL
 * target), then wakes them one after another: the clock starts just before `POST /api/machines/<name>/wake` and
 * stops when the sink receives that MAC's first packet. Each operation is cancelled right after, and its final
 * state checked at the end.
 */
export async function timeHubWakes(opts: {
  count: number;
  /** Other machines to put in the registry first. */
  registry: number;
  /** The 4th byte of this run's MACs: the sink remembers every MAC, so each run needs its own. */
  macPrefix: number;
  sink: MagicSink;
  silentPort: number;
  closedPort: number;
  dataDir: string;
  cleanup: Cleanup;
  phaseMs: number;
}): Promise<WakeResult> {
  let listMs: number | null = null;
  if (opts.registry > 0) {
    const t = performance.now();
    listMs = fillRegistry(opts.dataDir, opts.registry, opts.closedPort);
    progress(`  registry: ${opts.registry} other machines with facts in ${((performance.now() - t) / 1000).toFixed(1)} s; machines.list() takes ${listMs.toFixed(1)} ms`);
  }
  const token = randomBytes(24).toString('base64url');
  const wolTarget = `127.0.0.1:${opts.sink.port}`;
  const hub = await startPowerHub({ dataDir: opts.dataDir, port: await freePort(), token, wolTarget, timeoutMs: 30_000, cleanup: opts.cleanup });
  const errors: string[] = [];
  const result: WakeResult = {
    machines: opts.count,
    registry: opts.registry,
    listMs,
    toPacketMs: [],
    postMs: [],
    toOpStartMs: [],
    opStartToPacketMs: [],
    afterResponseMs: [],
    packetBeforeResponse: 0,
    lost: 0,
    packetsReceived: 0,
    opStates: {},
    hubLog: {},
    errors,
  };
  const deadline = performance.now() + opts.phaseMs;
  try {
    const api = hubApi(hub.httpUrl, token);
    const machines = Array.from({ length: opts.count }, (_, i) => ({ name: `p${String(i + 1).padStart(2, '0')}`, mac: benchMac(opts.macPrefix, i + 1) }));
    for (const m of machines) {
      const capabilities = { mac: m.mac.text, ip: '127.0.0.1', probePorts: [opts.silentPort], wolTargets: [wolTarget] };
      const added = await api('POST', '/api/machines', { name: m.name, capabilities });
      if (added.status !== 201) throw new Error(`POST /api/machines ${m.name}: ${describe(added)}`);
    }
    progress(`  hub pid ${hub.pid}: ${opts.count} machines registered; waking them one by one`);

    const ops: string[] = [];
    for (const m of machines) {
      if (performance.now() > deadline) {
        errors.push(`phase time-out: stopped after ${ops.length} of ${opts.count} wakes`);
        break;
      }
      const t0 = performance.now();
      const woke = await api('POST', `/api/machines/${m.name}/wake`);
      const answered = t0 + woke.ms;
      const op = OperationBody.safeParse(woke.body);
      if (woke.status !== 202 || !op.success) {
        errors.push(`wake ${m.name}: ${describe(woke)}`);
        continue;
      }
      ops.push(op.data.operation.id);
      result.postMs.push(woke.ms);
      // Both processes read the same wall clock; timeOrigin + now() is this process's reading with sub-ms precision.
      const opStart = Date.parse(op.data.operation.startedAt) - performance.timeOrigin;
      result.toOpStartMs.push(opStart - t0);
      const t1 = await opts.sink.first(m.mac.hex, PACKET_WAIT_MS);
      if (t1 === null) result.lost++;
      else {
        result.toPacketMs.push(t1 - t0);
        result.opStartToPacketMs.push(t1 - opStart);
        result.afterResponseMs.push(t1 - answered);
        if (t1 < answered) result.packetBeforeResponse++;
      }
      const cancelled = await api('POST', `/api/power/operations/${op.data.operation.id}/cancel`);
      if (cancelled.status !== 200) errors.push(`cancel ${m.name}: ${describe(cancelled)}`);
    }

    await sleep(SETTLE_MS);
    for (const id of ops) {
      const got = await api('GET', `/api/power/operations/${id}`);
      const op = OperationBody.safeParse(got.body);
      const state = op.success ? op.data.operation.state : `HTTP ${got.status}`;
      result.opStates[state] = (result.opStates[state] ?? 0) + 1;
    }
    result.packetsReceived = machines.reduce((n, m) => n + opts.sink.count(m.mac.hex), 0);
    return result;
  } finally {
    await hub.stop(10_000);
    for (const [k, v] of hub.logCounts) result.hubLog[k] = v;
  }
}
