import { randomUUID } from 'node:crypto';
import { PiaError } from '../common/errors.js';
import type { PowerLinks, PowerRequest } from './ports.js';

type WithoutId<T> = T extends unknown ? Omit<T, 'requestId'> : never;

/** A worker's answer to a power request. */
export interface PowerAnswer {
  ok: boolean;
  message: string;
}

/** Requests to workers that wait for their `power.result`. */
export interface WorkerRequests {
  /** Sends a request to a linked machine and resolves with its answer; rejects when it is not linked or silent. */
  ask(machineId: number, machine: string, request: WithoutId<PowerRequest>, timeoutMs: number): Promise<PowerAnswer>;
  /** A `power.result` from a machine's link: settles the request it answers, if that machine was asked. */
  answered(machineId: number, result: { requestId: string } & PowerAnswer): void;
}

/** Creates the request tracker; the hub's link routing hands it every `power.result`. */
export function createWorkerRequests(links: PowerLinks): WorkerRequests {
  const pending = new Map<string, { machineId: number; resolve: (r: PowerAnswer) => void }>();
  return {
    answered(machineId, msg) {
      const p = pending.get(msg.requestId);
      if (!p || p.machineId !== machineId) return; // late, or not this machine's to answer
      pending.delete(msg.requestId);
      p.resolve({ ok: msg.ok, message: msg.message });
    },
    ask(machineId, machine, request, timeoutMs) {
      const requestId = randomUUID();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(requestId);
          reject(new PiaError('worker_timeout', `${machine} did not answer within ${Math.round(timeoutMs / 1000)} s`));
        }, timeoutMs);
        pending.set(requestId, {
          machineId,
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
        });
        if (!links.send(machineId, { ...request, requestId } as PowerRequest)) {
          clearTimeout(timer);
          pending.delete(requestId);
          reject(new PiaError('machine_offline', `${machine}'s worker is not linked`));
        }
      });
    },
  };
}
