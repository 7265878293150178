import { z } from 'zod';
import { SimWorker } from '../fleet/ipc.js';

/** What the benchmark tells its simulated fleet. */
export const ToFlapper = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start'), url: z.string(), workers: z.array(SimWorker) }),
  /** Drop this worker's link and link it again: the hub says offline, then online (two status events). */
  z.object({ type: z.literal('flap'), index: z.number().int().nonnegative() }),
  z.object({ type: z.literal('stop') }),
]);
export type ToFlapper = z.infer<typeof ToFlapper>;

/** What the simulated fleet reports back. */
export const FromFlapper = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('status'), linked: z.number().int(), flaps: z.number().int() }),
  z.object({ type: z.literal('stopped') }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type FromFlapper = z.infer<typeof FromFlapper>;
