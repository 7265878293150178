import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PROBE_PORTS, probeHost, probeTcp } from '../../../src/power/probe.js';
import { silentPorts as makeSilentPorts } from '../../helpers/silent-port.js';

// Every probe targets 127.0.0.1; the silent ports drop SYNs like a host that is off (see the helper).
const TIMEOUT = 250;
let silent: Awaited<ReturnType<typeof makeSilentPorts>>;
let silentPorts: [number, number];
let openServer: net.Server;
let openPort: number;
let refusedPort: number;

/** Open TCP handles once earlier closes have finished (a destroyed socket's handle closes a tick later). */
async function tcpSockets(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
}

beforeAll(async () => {
  silent = await makeSilentPorts(2);
  silentPorts = silent.ports as [number, number];

  openServer = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => openServer.listen(0, '127.0.0.1', resolve));
  openPort = (openServer.address() as AddressInfo).port;

  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  refusedPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
});

afterAll(async () => {
  openServer?.close();
  await silent?.close();
});

describe('TCP probe', () => {
  it('says open for a listener', async () => {
    expect(await probeTcp('127.0.0.1', openPort, TIMEOUT)).toBe('open');
  });

  it('says refused for a closed port', async () => {
    expect(await probeTcp('127.0.0.1', refusedPort, TIMEOUT)).toBe('refused');
  });

  it('says timeout for a port that drops SYNs, after about the timeout', async () => {
    const started = performance.now();
    expect(await probeTcp('127.0.0.1', silentPorts[0], TIMEOUT)).toBe('timeout');
    expect(performance.now() - started).toBeGreaterThanOrEqual(TIMEOUT - 10);
    expect(performance.now() - started).toBeLessThan(TIMEOUT + 200);
  });

  it('refuses a bad port', async () => {
    await expect(probeTcp('127.0.0.1', 70_000, TIMEOUT)).rejects.toMatchObject({ code: 'probe_port_invalid' });
  });
});

describe('host probe', () => {
  it('probes SSH, RDP and SMB by default', () => {
    expect(DEFAULT_PROBE_PORTS).toEqual([22, 3389, 445]);
  });

  it('is awake as soon as one port is open, without waiting out the silent ones or leaving sockets', async () => {
    const before = await tcpSockets();
    const started = performance.now();
    const probe = await probeHost('127.0.0.1', [...silentPorts, openPort], { timeoutMs: 5000 });
    expect(performance.now() - started).toBeLessThan(500);
    expect(probe).toEqual({ state: 'awake', evidence: `TCP ${openPort} open`, ports: [{ port: openPort, result: 'open' }] });
    expect(await tcpSockets()).toBe(before);
  });

  it('is awake when a port is refused: the host answered', async () => {
    const probe = await probeHost('127.0.0.1', [silentPorts[0], refusedPort], { timeoutMs: 5000 });
    expect(probe.state).toBe('awake');
    expect(probe.evidence).toBe(`TCP ${refusedPort} refused: the host is up`);
  });

  it('is off when nothing answers within the timeout', async () => {
    const before = await tcpSockets();
    const probe = await probeHost('127.0.0.1', silentPorts, { timeoutMs: TIMEOUT });
    expect(probe).toEqual({
      state: 'off',
      evidence: `no answer on TCP ${silentPorts[0]}, ${silentPorts[1]} within ${TIMEOUT} ms`,
      ports: silentPorts.map((port) => ({ port, result: 'timeout' })),
    });
    expect(await tcpSockets()).toBe(before);
  });

  it('needs at least one valid port', async () => {
    await expect(probeHost('127.0.0.1', [], { timeoutMs: TIMEOUT })).rejects.toMatchObject({ code: 'probe_ports_empty' });
    await expect(probeHost('127.0.0.1', [0], { timeoutMs: TIMEOUT })).rejects.toMatchObject({ code: 'probe_port_invalid' });
  });
});
