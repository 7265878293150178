import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildMagicPacket } from '../../../src/wol/magic-packet.js';
import type { UdpFamily, WolSender } from '../../../src/wol/wol-sender.js';
import { createWolSender } from '../../../src/wol/wol-sender.js';

// Every packet in this file goes to a listener on loopback (127.0.0.1 or ::1), never to a broadcast or LAN
// address, and host names are resolved by an injected lookup: a real DNS query would leave the machine.

interface Listener {
  port: number;
  arrivals: Array<{ at: number; data: Buffer }>;
  close(): Promise<void>;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(family: UdpFamily = 'udp4'): Promise<Listener> {
  const socket = dgram.createSocket(family);
  const arrivals: Listener['arrivals'] = [];
  socket.on('message', (data) => arrivals.push({ at: performance.now(), data }));
  await new Promise<void>((resolve) => socket.bind(0, family === 'udp4' ? '127.0.0.1' : '::1', resolve));
  const listener = {
    port: (socket.address() as AddressInfo).port,
    arrivals,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
  cleanups.push(listener.close);
  return listener;
}

function sender(...args: Parameters<typeof createWolSender>): WolSender {
  const s = createWolSender(...args);
  cleanups.push(() => s.close());
  return s;
}

const settle = (ms = 30): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const packet = buildMagicPacket('01:23:45:67:89:ab', '192.168.1.1');

describe('WoL sender', () => {
  it('sends 3 exact packets ~100 ms apart, the first within 50 ms', async () => {
    const target = await listen();
    const wol = sender();
    const called = performance.now();
    const report = await wol.sendBurst(packet, [{ host: '127.0.0.1', port: target.port }]);
    await settle();

    expect(report.aborted).toBe(false);
    expect(report.targets).toEqual([{ target: { host: '127.0.0.1', port: target.port }, address: '127.0.0.1', sent: 3 }]);
    expect(target.arrivals).toHaveLength(3);
    for (const { data } of target.arrivals) expect(data.equals(packet)).toBe(true);
    const [first, second, third] = target.arrivals.map((a) => a.at) as [number, number, number];
    expect(first - called).toBeLessThanOrEqual(50);
    for (const gap of [second - first, third - second]) {
      expect(gap).toBeGreaterThanOrEqual(80);
      expect(gap).toBeLessThanOrEqual(250);
    }
  });

  it('sends each round to every target at once, IPv4 and IPv6', async () => {
    const a = await listen();
    const b = await listen();
    const six = await listen('udp6');
    const report = await sender().sendBurst(packet, [
      { host: '127.0.0.1', port: a.port },
      { host: '127.0.0.1', port: b.port },
      { host: '::1', port: six.port },
    ], { count: 2, intervalMs: 60 });
    await settle();
    expect(report.targets.map((t) => t.sent)).toEqual([2, 2, 2]);
    expect([a, b, six].map((l) => l.arrivals.length)).toEqual([2, 2, 2]);
    // Round 1 reached all three before round 2 reached any.
    expect(Math.max(a.arrivals[0]!.at, b.arrivals[0]!.at, six.arrivals[0]!.at)).toBeLessThan(
      Math.min(a.arrivals[1]!.at, b.arrivals[1]!.at, six.arrivals[1]!.at),
    );
  });

  it('reports an unresolvable name and a failing send while the good target still receives', async () => {
    const good = await listen();
    const lookups: string[] = [];
    const wol = sender({
      lookup: async (host) => {
        lookups.push(host);
        if (host === 'loopback.test') return { address: '127.0.0.1' };
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      },
    });
    const report = await wol.sendBurst(packet, [
      { host: 'no-such-host.invalid', port: 9 },
      { host: '127.0.0.1', port: 0 },
      { host: '127.0.0.1', port: good.port },
      { host: 'loopback.test', port: good.port },
      { host: 'no-such-host.invalid', port: 7 },
    ], { count: 2, intervalMs: 20 });
    await settle();

    expect(lookups.sort()).toEqual(['loopback.test', 'no-such-host.invalid']); // once per name per burst
    const [bad9, port0, ip, named, bad7] = report.targets;
    expect(bad9).toMatchObject({ sent: 0, error: expect.stringMatching(/^cannot resolve "no-such-host.invalid": getaddrinfo ENOTFOUND/) });
    expect(bad7).toMatchObject({ sent: 0, error: expect.stringMatching(/cannot resolve/) });
    expect(port0).toMatchObject({ sent: 0, error: expect.stringMatching(/^sending to 127\.0\.0\.1:0 failed: /) });
    expect(ip).toEqual({ target: { host: '127.0.0.1', port: good.port }, address: '127.0.0.1', sent: 2 });
    expect(named).toEqual({ target: { host: 'loopback.test', port: good.port }, address: '127.0.0.1', sent: 2 });
    expect(good.arrivals).toHaveLength(4);
  });

  it('binds lazily, enables broadcast, reuses its socket, and rebinds after close', async () => {
    const target = await listen();
    const made: UdpFamily[] = [];
    const broadcast: boolean[] = [];
    const wol = sender({
      createSocket: (family) => {
        made.push(family);
        const socket = dgram.createSocket(family);
        const setBroadcast = socket.setBroadcast.bind(socket);
        socket.setBroadcast = (flag: boolean) => {
          broadcast.push(flag);
          setBroadcast(flag);
        };
        return socket;
      },
    });
    expect(made).toEqual([]);
    const to = [{ host: '127.0.0.1', port: target.port }];
    await wol.sendBurst(packet, to, { count: 1 });
    await wol.sendBurst(packet, to, { count: 2, intervalMs: 5 });
    expect(made).toEqual(['udp4']);
    expect(broadcast).toEqual([true]);
    wol.close();
    await wol.sendBurst(packet, to, { count: 1 });
    expect(made).toEqual(['udp4', 'udp4']);
    await settle();
    expect(target.arrivals).toHaveLength(4);
  });

  it('stops when aborted and says so', async () => {
    const target = await listen();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const started = performance.now();
    const report = await sender().sendBurst(packet, [{ host: '127.0.0.1', port: target.port }], {
      count: 10,
      intervalMs: 100,
      signal: controller.signal,
    });
    expect(performance.now() - started).toBeLessThan(300);
    expect(report.aborted).toBe(true);
    expect(report.targets[0]?.sent).toBe(2);
    await settle(150);
    expect(target.arrivals).toHaveLength(2);
  });

  it('in loopback-only mode (every test) sends nothing to a LAN or broadcast address, and says so', async () => {
    expect(process.env.PIA_NET_LOOPBACK_ONLY).toBe('1');
    const report = await sender().sendBurst(packet, [{ host: '255.255.255.255', port: 9 }, { host: '192.0.2.255', port: 9 }], { count: 1, intervalMs: 0 });
    expect(report.targets.map((t) => t.sent)).toEqual([0, 0]);
    for (const t of report.targets) expect(t.error).toMatch(/loopback-only mode \(PIA_NET_LOOPBACK_ONLY=1\)/);
  });

  it('refuses a nonsense count or interval', async () => {
    const wol = sender();
    await expect(wol.sendBurst(packet, [], { count: 0 })).rejects.toMatchObject({ code: 'wol_burst_invalid' });
    await expect(wol.sendBurst(packet, [], { intervalMs: -1 })).rejects.toMatchObject({ code: 'wol_burst_invalid' });
    await expect(wol.sendBurst(packet, [])).resolves.toMatchObject({ targets: [], aborted: false });
  });
});
