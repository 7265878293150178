import dgram from 'node:dgram';
import { MAGIC_PACKET_LENGTH } from '../../src/wol/magic-packet.js';

/** A UDP listener on 127.0.0.1 that notes when each MAC's first magic packet arrives. */
export interface MagicSink {
  port: number;
  /**
   * Resolves with the arrival time (performance.now()) of the first magic packet for `mac` (12 hex digits,
   * lower case), or null when none arrives within `timeoutMs`. Arrivals before the call count too.
   */
  first(mac: string, timeoutMs: number): Promise<number | null>;
  /** Magic packets received for `mac` so far. */
  count(mac: string): number;
  /** Datagrams that were not a well-formed magic packet. */
  malformed(): number;
  close(): Promise<void>;
}

/** The MAC of a magic packet as 12 lower-case hex digits: 6 x 0xff, then the same 6 bytes 16 times. */
export function magicMac(packet: Buffer): string | undefined {
  if (packet.length < MAGIC_PACKET_LENGTH) return undefined;
  for (let i = 0; i < 6; i++) if (packet[i] !== 0xff) return undefined;
  const mac = packet.subarray(6, 12);
  for (let i = 1; i < 16; i++) if (!packet.subarray(6 + i * 6, 12 + i * 6).equals(mac)) return undefined;
  return mac.toString('hex');
}

/** Binds the sink on 127.0.0.1 (a free port). */
export async function startMagicSink(): Promise<MagicSink> {
  const socket = dgram.createSocket('udp4');
  const arrivals = new Map<string, number>();
  const counts = new Map<string, number>();
  const waiters = new Map<string, (at: number) => void>();
  let malformed = 0;
  socket.on('message', (packet) => {
    // Stamped first thing, before any parsing.
    const at = performance.now();
    const mac = magicMac(packet);
    if (!mac) {
      malformed++;
      return;
    }
    counts.set(mac, (counts.get(mac) ?? 0) + 1);
    if (arrivals.has(mac)) return;
    arrivals.set(mac, at);
    waiters.get(mac)?.(at);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return {
    port: socket.address().port,
    first(mac, timeoutMs) {
      const seen = arrivals.get(mac);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters.delete(mac);
          resolve(null);
        }, timeoutMs);
        waiters.set(mac, (at) => {
          clearTimeout(timer);
          waiters.delete(mac);
          resolve(at);
        });
      });
    },
    count: (mac) => counts.get(mac) ?? 0,
    malformed: () => malformed,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** The i-th benchmark MAC (locally administered, 02:00:5e:xx:yy:zz), in the form `MagicSink` reports. */
export function benchMac(prefix: number, i: number): { text: string; hex: string } {
  const bytes = [0x02, 0x00, 0x5e, prefix & 0xff, (i >> 8) & 0xff, i & 0xff];
  const hex = Buffer.from(bytes).toString('hex');
  return { text: bytes.map((b) => b.toString(16).padStart(2, '0')).join(':'), hex };
}
