import { z } from 'zod';
import { SimWorker } from '../fleet/ipc.js';

/**
 * IPC between the benchmark and its fan-out processes (simulated machines that only receive task assignments).
 * Both sides parse what they receive.
 */

export const ToFanout = z.discriminatedUnion('type', [
  /** `offset`: the index of the first machine in the whole fleet (for unique fake addresses). */
  z.object({ type: z.literal('start'), url: z.string(), offset: z.number().int().nonnegative(), workers: z.array(SimWorker) }),
  /** Report the assignments received so far. */
  z.object({ type: z.literal('report') }),
]);
export type ToFanout = z.infer<typeof ToFanout>;

/** Assignments a process received: how many, and when the first and last arrived (epoch ms; 0: none yet). */
export const AssignReport = z.object({ type: z.literal('assigns'), assigns: z.number().int(), firstAt: z.number(), lastAt: z.number() });
export type AssignReport = z.infer<typeof AssignReport>;

export const FromFanout = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('status'), linked: z.number().int(), refused: z.number().int() }),
  AssignReport,
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type FromFanout = z.infer<typeof FromFanout>;
