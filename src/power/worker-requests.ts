import { randomUUID } from 'node:crypto';
import { PiaError } from '../common/errors.js';
import type { LinkServer } from '../hub/link/link-server.js';
import type { HubMessage } from '../protocol/messages.js';

type PowerRequest = Extract<HubMessage, { type: 'power.wol' | 'power.command' }>;
type WithoutId<T> = T extends unknown ? Omit<T, 'requestId'> : never;

/** Requests to workers that wait for their `power.result`. */
export interface WorkerRequests {
  /** Sends a request to a linked machine and resolves with its answer; rejects when it is not linked or silent. */
  ask(machineId: number, request: WithoutId<PowerRequest>, timeoutMs: number): Promise<{ ok: boolean; message: string }>;
}

/** Creates the request tracker and routes `power.result` messages to it. */
export function createWorkerRequests(links: LinkServer): WorkerRequests {
  const pending = new Map<string, { machineId: number; resolve: (r: { ok: boolean; message: string }) => void }>();
  links.handle('power.result', (link, msg) => {
    const p = pending.get(msg.requestId);
    if (!p || p.machineId !== link.machineId) return; // late, or not this machine's to answer
    pending.delete(msg.requestId);
    p.resolve({ ok: msg.ok, message: msg.message });
  });
  return {
    ask(machineId, request, timeoutMs) {
      const link = links.get(machineId);
      if (!link) return Promise.reject(new PiaError('machine_offline', 'its worker is not linked'));
      const requestId = randomUUID();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(requestId);
          reject(new PiaError('worker_timeout', `${link.machine} did not answer within ${Math.round(timeoutMs / 1000)} s`));
        }, timeoutMs);
        pending.set(requestId, {
          machineId,
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
        });
        link.send({ ...request, requestId } as PowerRequest);
      });
    },
  };
}
