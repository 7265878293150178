import net from 'node:net';

/** A TCP proxy on 127.0.0.1 that can cut the path silently (packets dropped, no FIN or RST), like a dead network. */
export interface TcpProxy {
  port: number;
  /** Bytes passed from the target to clients so far (what a client downloaded). */
  readonly downloaded: number;
  /** From now on nothing passes in either direction, and new connections hang. */
  cut(): void;
  /** Drops the dead connections and lets new ones through again. */
  restore(): void;
  close(): Promise<void>;
}

/** Starts a proxy to `targetPort` on 127.0.0.1. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let cut = false;
  let downloaded = 0;
  const pairs = new Set<[net.Socket, net.Socket]>();
  const server = net.createServer((client) => {
    if (cut) {
      client.pause(); // accept, never answer
      pairs.add([client, client]);
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => (downloaded += chunk.length));
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get downloaded() {
      return downloaded;
    },
    cut() {
      cut = true;
      for (const [a, b] of pairs) {
        a.unpipe();
        b.unpipe();
        a.pause();
        b.pause();
      }
    },
    restore() {
      cut = false;
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
    },
    async close() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
