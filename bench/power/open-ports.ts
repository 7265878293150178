import { fork } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { killQuietly, type Cleanup } from '../fleet/cleanup.js';
import { withTimeout } from '../fleet/with-timeout.js';

const childEntry = fileURLToPath(new URL('./open-ports-child.js', import.meta.url));

const FromChild = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), ports: z.array(z.number().int().min(1).max(65535)) }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);

/** Ports held by a child process, and a function that stops it. */
export interface HeldPorts {
  ports: number[];
  close(): Promise<void>;
}

/** Forks a child holding `count` open ports (accept, then close) and waits for their numbers. */
export async function openPorts(count: number, cleanup: Cleanup, timeoutMs = 30_000): Promise<HeldPorts> {
  const child = fork(childEntry, [String(count)], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
  const forget = cleanup.add(() => killQuietly(child.pid));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const ports = await withTimeout(
    new Promise<number[]>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the open-port process exited with code ${code} before it was ready`)));
      child.on('message', (raw: unknown) => {
        const parsed = FromChild.safeParse(raw);
        if (!parsed.success) return reject(new Error(`bad message from the open-port process: ${parsed.error.message}`));
        if (parsed.data.type === 'ready') resolve(parsed.data.ports);
        else reject(new Error(`open-port process: ${parsed.data.message}`));
      });
    }),
    timeoutMs,
    `the open-port process was not ready within ${timeoutMs} ms`,
  );
  return {
    ports,
    async close() {
      killQuietly(child.pid, 'SIGTERM');
      await exited;
      forget();
    },
  };
}

/** The first port of the kernel's ephemeral range (outgoing connections' local ports); 32768 if unreadable. */
function ephemeralStart(text: string | undefined): number {
  const first = Number(text?.trim().split(/\s+/)[0]);
  return Number.isInteger(first) && first > 1024 ? first : 32768;
}

function bindAndRelease(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * `count` closed ports: bound on 127.0.0.1 and released, so a connection is refused. They are taken below the
 * ephemeral range, so no outgoing connection (ours, or another program's on this machine) is given one as its
 * local port meanwhile: a probe from that very port would connect to itself (TCP simultaneous open) and
 * read as open.
 */
export async function closedPorts(count: number, rangeText: string | undefined): Promise<number[]> {
  const top = ephemeralStart(rangeText);
  const bottom = 10_000;
  if (top - bottom < count * 2) throw new Error(`not enough ports below the ephemeral range (${top}) for ${count} closed ports`);
  // A random start, so two runs at once are unlikely to pick the same ports.
  let port = bottom + Math.floor(Math.random() * (top - bottom - count * 2));
  const ports: number[] = [];
  while (ports.length < count && port < top) {
    if (await bindAndRelease(port)) ports.push(port);
    port++;
  }
  if (ports.length < count) throw new Error(`found only ${ports.length} of ${count} free ports below ${top}`);
  return ports;
}
