import { buildMagicPacket } from '../../src/wol/magic-packet.js';
import { createWolSender } from '../../src/wol/wol-sender.js';
import type { MagicSink } from './udp-sink.js';
import { benchMac } from './udp-sink.js';

/** MAC prefix byte of the in-process runs (the hub's wakes use another), so the two never share a MAC. */
const MAC_PREFIX = 0x02;
const PACKET_WAIT_MS = 2000;

/** `sendBurst` to the first packet at the sink, per run. */
export interface WolResult {
  runs: number;
  /** Milliseconds per run (the first one includes binding the sender's socket). */
  ms: number[];
  /** Runs whose packet never arrived within 2 s. */
  lost: number;
}

/**
 * Times the project's WoL sender on its own: for each run, a fresh MAC's magic packet is built, then the clock
 * starts just before `sendBurst` (the hub's burst settings: 3 packets, 100 ms apart, to 127.0.0.1:<sink>) and
 * stops when the sink receives the first packet; the burst is then aborted. One sender for all runs, as in
 * the hub, so only the first run pays for binding its socket.
 */
export async function timeWolSender(sink: MagicSink, runs: number): Promise<WolResult> {
  const sender = createWolSender();
  const ms: number[] = [];
  let lost = 0;
  try {
    for (let i = 0; i < runs; i++) {
      const mac = benchMac(MAC_PREFIX, i);
      const packet = buildMagicPacket(mac.text);
      const abort = new AbortController();
      const t0 = performance.now();
      const burst = sender.sendBurst(packet, [{ host: '127.0.0.1', port: sink.port }], { count: 3, intervalMs: 100, signal: abort.signal });
      const t1 = await sink.first(mac.hex, PACKET_WAIT_MS);
      abort.abort();
      const report = await burst;
      if (t1 === null) {
        lost++;
        const why = report.targets.map((t) => t.error).filter(Boolean).join('; ');
        if (lost === 1 && why) process.stderr.write(`[power] sendBurst reported: ${why}\n`);
      } else ms.push(t1 - t0);
    }
  } finally {
    sender.close();
  }
  return { runs, ms, lost };
}
