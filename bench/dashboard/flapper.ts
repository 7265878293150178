/**
 * Child-process entry: links the simulated fleet with the project's real link client, and on request drops one
 * worker's link and links it again (what a laptop closing its lid and opening it does to the hub's view).
 */
import { silentLogger } from '../../src/common/logger.js';
import { createWorkerLink, type WorkerLink } from '../../src/worker/link.js';
import type { SimWorker } from '../fleet/ipc.js';
import { simFacts } from '../fleet/sim-facts.js';
import { FromFlapper, ToFlapper } from './flap-ipc.js';

const log = silentLogger();
let url = '';
let workers: SimWorker[] = [];
const links: WorkerLink[] = [];
const busy = new Set<number>();
let flaps = 0;

function send(message: FromFlapper): void {
  process.send?.(FromFlapper.parse(message));
}

function link(i: number): WorkerLink {
  const w = workers[i]!;
  const facts = simFacts(w.name, i + 1);
  const l = createWorkerLink({ url, log, hello: async () => ({ auth: { kind: 'secret', secret: w.secret }, facts }), onWelcome: () => undefined });
  l.run().catch((err: unknown) => send({ type: 'error', message: `${w.name}: ${String(err)}` }));
  return l;
}

async function flap(i: number): Promise<void> {
  if (busy.has(i) || !links[i]) return;
  busy.add(i);
  try {
    await links[i]!.stop();
    links[i] = link(i);
    flaps++;
  } finally {
    busy.delete(i);
  }
}

process.on('message', (raw: unknown) => {
  const parsed = ToFlapper.safeParse(raw);
  if (!parsed.success) return send({ type: 'error', message: `bad IPC message: ${parsed.error.message}` });
  const msg = parsed.data;
  switch (msg.type) {
    case 'start':
      url = msg.url;
      workers = msg.workers;
      workers.forEach((_, i) => links.push(link(i)));
      setInterval(() => send({ type: 'status', linked: links.filter((l) => l.linked).length, flaps }), 1000).unref();
      return;
    case 'flap':
      return void flap(msg.index);
    case 'stop':
      return void Promise.allSettled(links.map((l) => l.stop())).then(() => {
        send({ type: 'stopped' });
        process.exit(0);
      });
  }
});

// The benchmark went away (crashed, killed): never outlive it.
process.on('disconnect', () => process.exit(0));

send({ type: 'ready' });
