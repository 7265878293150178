import { spawn } from 'node:child_process';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { mapLimit } from '../../src/common/concurrency.js';

// A "silent" port on 127.0.0.1 is a listening socket that never accepts, with listen(0) and its accept queue
// already full: Linux then drops further SYNs, exactly like a host that is off. Node's net.Server always
// accepts, so a small python3 child holds those sockets.
const script = `
import socket, sys
held = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    s.listen(0)
    held.append(s)
print(' '.join(str(s.getsockname()[1]) for s in held), flush=True)
sys.stdin.read()
`;

/** How long an unanswered filler attempt waits before the port counts as silent. */
const FILLER_WAIT_MS = 150;
/** Attempts per port before giving up on filling it (listen(0) queues one connection, so two or three do). */
const FILLER_TRIES = 8;

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

/** Ports that drop SYNs, and a function that frees them (stops the holder, closes the fillers). */
export interface SilentPorts {
  ports: number[];
  /** Ports where no attempt went unanswered: they may still accept and would be misread as open. */
  unfilled: number[];
  close(): Promise<void>;
}

/**
 * Opens `count` silent ports: a python3 child holds listen(0) sockets, and this process fills each accept queue
 * until a connection attempt goes unanswered. Ports are filled in parallel: one after another, the 150 ms wait per
 * port would take almost a minute for a few hundred. `onHolder` gets the child's PID at once (to kill it on Ctrl-C).
 */
export async function openSilentPorts(count: number, opts: { timeoutMs?: number; onHolder?: (pid: number | undefined) => void } = {}): Promise<SilentPorts> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const holder = spawn('python3', ['-c', script, String(count)], { stdio: ['pipe', 'pipe', 'inherit'] });
  opts.onHolder?.(holder.pid);
  let timer: NodeJS.Timeout | undefined;
  // The port list can be longer than one pipe chunk: read a whole line.
  const line = await new Promise<string>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`the python3 port holder did not list its ports within ${timeoutMs} ms`)), timeoutMs);
    holder.once('error', (err) => reject(new Error(`python3 is needed to hold silent ports: ${err.message}`)));
    holder.once('exit', (code) => reject(new Error(`the python3 port holder exited with code ${code}`)));
    createInterface({ input: holder.stdout }).once('line', resolve);
  }).finally(() => clearTimeout(timer));
  const ports = line.trim().split(' ').map(Number);
  const fillers: net.Socket[] = [];
  const unfilled: number[] = [];
  await mapLimit(ports, 64, async (port) => {
    for (let i = 0; i < FILLER_TRIES; i++) {
      const s = await connectOnce(port, FILLER_WAIT_MS);
      if (!s) return;
      fillers.push(s);
    }
    unfilled.push(port);
  });
  return {
    ports,
    unfilled,
    async close() {
      for (const s of fillers) s.destroy();
      if (holder.exitCode === null && holder.signalCode === null) {
        const exited = new Promise((r) => holder.once('exit', r));
        holder.kill();
        await exited;
      }
    },
  };
}

/** For tests: `count` silent ports, every one of them silent (otherwise this throws). */
export async function silentPorts(count: number): Promise<SilentPorts> {
  const silent = await openSilentPorts(count);
  if (silent.unfilled.length > 0) {
    await silent.close();
    throw new Error(`port(s) ${silent.unfilled.join(', ')} kept accepting connections; cannot make them silent`);
  }
  return silent;
}
