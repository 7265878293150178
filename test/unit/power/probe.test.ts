import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PROBE_PORTS, probeHost, probeTcp } from '../../../src/power/probe.js';

// Every probe targets 127.0.0.1. A "silent" port is a listening socket that never accepts, with
// listen(0) and its accept queue already full: Linux then drops further SYNs, exactly like a host that
// is off. Node's net.Server always accepts, so a small python3 child holds those sockets.
const silentScript = `
import socket, sys, time
held = []
for _ in range(2):
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    s.listen(0)
    held.append(s)
print(' '.join(str(s.getsockname()[1]) for s in held), flush=True)
sys.stdin.read()  # lives until the test closes stdin (or kills it)
`;

const TIMEOUT = 250;
let silentHolder: ChildProcess;
let silentPorts: [number, number];
let openServer: net.Server;
let openPort: number;
let refusedPort: number;
const fillers: net.Socket[] = [];

function connectOnce(port: number, ms: number): Promise<net.Socket | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, ms);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(undefined);
    });
  });
}

/** Connects until one attempt goes unanswered: from then on the port drops SYNs. */
async function fillAcceptQueue(port: number): Promise<void> {
  for (let i = 0; i < 8; i++) {
    const socket = await connectOnce(port, 150);
    if (!socket) return;
    fillers.push(socket);
  }
  throw new Error(`port ${port} kept accepting connections; cannot make it silent`);
}

/** Open TCP handles once earlier closes have finished (a destroyed socket's handle closes a tick later). */
async function tcpSockets(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
}

beforeAll(async () => {
  silentHolder = spawn('python3', ['-c', silentScript], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    silentHolder.once('error', reject);
    silentHolder.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString()));
  });
  silentPorts = line.trim().split(' ').map(Number) as [number, number];
  for (const port of silentPorts) await fillAcceptQueue(port);

  openServer = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => openServer.listen(0, '127.0.0.1', resolve));
  openPort = (openServer.address() as AddressInfo).port;

  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  refusedPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
});

afterAll(async () => {
  for (const socket of fillers) socket.destroy();
  openServer?.close();
  if (silentHolder && silentHolder.exitCode === null) {
    const exited = new Promise((resolve) => silentHolder.once('exit', resolve));
    silentHolder.kill();
    await exited;
  }
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
