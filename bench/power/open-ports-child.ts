/**
 * Child-process entry: holds `argv[2]` TCP listeners on 127.0.0.1 that accept each connection and close it at
 * once (machines that are up with the port open). Run in its own process so the accept work is not charged to
 * the prober being measured. Reports its ports over IPC, then waits to be killed.
 */
import net from 'node:net';

const count = Number(process.argv[2]);

function listen(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

try {
  if (!Number.isInteger(count) || count < 1) throw new Error(`expected a listener count, got '${process.argv[2]}'`);
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await listen());
  process.send?.({ type: 'ready', ports });
} catch (err) {
  process.send?.({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}

// The benchmark went away (finished, crashed, killed): never outlive it.
process.on('disconnect', () => process.exit(0));
