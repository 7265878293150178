import dgram from 'node:dgram';

/** A UDP listener on 127.0.0.1 that records every datagram (a stand-in network card for magic packets). */
export async function udpListener(): Promise<{ port: number; packets: Array<{ data: Buffer; fromPort: number; at: number }>; close: () => void; onPacket: (fn: (data: Buffer) => void) => void }> {
  const socket = dgram.createSocket('udp4');
  const packets: Array<{ data: Buffer; fromPort: number; at: number }> = [];
  const listeners: Array<(data: Buffer) => void> = [];
  socket.on('message', (data, rinfo) => {
    packets.push({ data, fromPort: rinfo.port, at: Date.now() });
    for (const l of listeners) l(data);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, packets, close: () => socket.close(), onPacket: (fn) => listeners.push(fn) };
}

/** The magic packet for a MAC, built by hand here so the test does not trust the code under test. */
export function expectedMagicPacket(mac: string): Buffer {
  const bytes = Buffer.from(mac.replaceAll(':', ''), 'hex');
  return Buffer.concat([Buffer.alloc(6, 0xff), ...Array.from({ length: 16 }, () => bytes)]);
}
