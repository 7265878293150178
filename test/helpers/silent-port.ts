import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

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

/** Ports that drop SYNs, and a function that frees them (stop the holder, close the fillers). */
export async function silentPorts(count: number): Promise<{ ports: number[]; close: () => Promise<void> }> {
  const holder: ChildProcess = spawn('python3', ['-c', script, String(count)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let text = '';
    holder.once('error', reject);
    // The port list is one line; it may arrive in more than one chunk.
    holder.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(text.split('\n')[0]!);
    });
  });
  const ports = line.trim().split(' ').map(Number);
  const fillers: net.Socket[] = [];
  for (const port of ports) {
    // Connect until one attempt goes unanswered: from then on the port drops SYNs.
    let silent = false;
    for (let i = 0; i < 8 && !silent; i++) {
      const s = await connectOnce(port, 150);
      if (s) fillers.push(s);
      else silent = true;
    }
    if (!silent) throw new Error(`port ${port} kept accepting connections; cannot make it silent`);
  }
  return {
    ports,
    async close() {
      for (const s of fillers) s.destroy();
      if (holder.exitCode === null) {
        const exited = new Promise((r) => holder.once('exit', r));
        holder.kill();
        await exited;
      }
    },
  };
}
