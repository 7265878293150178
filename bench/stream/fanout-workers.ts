/**
 * Child-process entry of the fan-out phase: links many simulated machines to a hub with the project's real link
 * client, each offering two task slots, and records when each `task.assign` arrives. It runs nothing: the phase
 * measures how fast the hub hands a deploy out, not what the machines do with it.
 */
import { silentLogger } from '../../src/common/logger.js';
import type { HubMessage } from '../../src/protocol/messages.js';
import { createWorkerLink, type WorkerLink } from '../../src/worker/link.js';
import type { SimWorker } from '../fleet/ipc.js';
import { simFacts } from '../fleet/sim-facts.js';
import { FromFanout, ToFanout } from './fanout-ipc.js';

const STATUS_EVERY_MS = 1000;

const log = silentLogger();
const links: WorkerLink[] = [];
let refused = 0;
let assigns = 0;
let firstAt = 0;
let lastAt = 0;

function send(message: FromFanout): void {
  process.send?.(FromFanout.parse(message));
}

function report(): void {
  let linked = 0;
  for (const link of links) if (link.linked) linked++;
  send({ type: 'status', linked, refused });
}

function onMessage(message: HubMessage): void {
  if (message.type !== 'task.assign') return;
  // The receive time first: it is what the phase measures.
  const now = Date.now();
  assigns++;
  if (!firstAt) firstAt = now;
  lastAt = now;
}

function start(url: string, workers: SimWorker[], offset: number): void {
  workers.forEach((w, i) => {
    const facts = simFacts(w.name, offset + i);
    const link = createWorkerLink({
      url,
      log,
      hello: async () => ({ auth: { kind: 'secret', secret: w.secret }, facts, maxTasks: 2, ledger: [] }),
      onWelcome: () => undefined,
      onMessage,
    });
    links.push(link);
    // run() rejects only when the hub refuses the credential for good: a benchmark failure to count.
    link.run().catch(() => refused++);
  });
  setInterval(report, STATUS_EVERY_MS).unref();
  report();
}

process.on('message', (raw: unknown) => {
  const parsed = ToFanout.safeParse(raw);
  if (!parsed.success) return send({ type: 'error', message: `bad IPC message: ${parsed.error.message}` });
  const msg = parsed.data;
  switch (msg.type) {
    case 'start':
      return start(msg.url, msg.workers, msg.offset);
    case 'report':
      return send({ type: 'assigns', assigns, firstAt, lastAt });
  }
});

// The benchmark went away (crashed, killed): never outlive it.
process.on('disconnect', () => process.exit(0));

send({ type: 'ready' });
