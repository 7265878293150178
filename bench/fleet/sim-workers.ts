/**
 * Child-process entry: links many simulated workers to a hub, each with the project's real link client (so
 * heartbeats and the full-jitter reconnect backoff are the real ones), and reports how many are linked.
 * Started by the benchmark with `fork`; it receives its machines and secrets over IPC.
 */
import { silentLogger } from '../../src/common/logger.js';
import { createWorkerLink, type WorkerLink } from '../../src/worker/link.js';
import { FromChild, ToChild, type SimWorker } from './ipc.js';
import { simFacts } from './sim-facts.js';

const STATUS_EVERY_MS = 1000;
const STOP_DEADLINE_MS = 5000;

const log = silentLogger();
const links: WorkerLink[] = [];
let refused = 0;
let statusTimer: NodeJS.Timeout | undefined;

function send(message: FromChild): void {
  process.send?.(FromChild.parse(message));
}

function report(): void {
  let linked = 0;
  for (const link of links) if (link.linked) linked++;
  send({ type: 'status', linked, total: links.length, refused });
}

function start(url: string, workers: SimWorker[], offset: number): void {
  workers.forEach((w, i) => {
    const facts = simFacts(w.name, offset + i);
    const link = createWorkerLink({
      url,
      log,
      hello: async () => ({ auth: { kind: 'secret', secret: w.secret }, facts }),
      onWelcome: () => undefined,
    });
    links.push(link);
    // run() rejects only when the hub refuses the credential for good; that is a benchmark failure to count.
    link.run().catch(() => refused++);
  });
  statusTimer = setInterval(report, STATUS_EVERY_MS);
  report();
}

async function stop(): Promise<void> {
  clearInterval(statusTimer);
  const deadline = new Promise((resolve) => setTimeout(resolve, STOP_DEADLINE_MS).unref());
  await Promise.race([Promise.all(links.map((l) => l.stop())), deadline]);
  send({ type: 'stopped' });
  process.exit(0);
}

process.on('message', (raw: unknown) => {
  const parsed = ToChild.safeParse(raw);
  if (!parsed.success) return send({ type: 'error', message: `bad IPC message: ${parsed.error.message}` });
  const msg = parsed.data;
  switch (msg.type) {
    case 'start':
      return start(msg.url, msg.workers, msg.offset);
    case 'stop':
      return void stop();
  }
});

// The benchmark went away (crashed, killed): never outlive it.
process.on('disconnect', () => process.exit(0));

send({ type: 'ready' });
