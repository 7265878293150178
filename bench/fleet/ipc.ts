import { z } from 'zod';

/**
 * Messages between the benchmark and its simulated-worker processes. IPC crosses a process boundary, so both
 * sides parse what they receive instead of trusting its shape.
 */

/** One enrolled machine a child process links as. */
export const SimWorker = z.object({ name: z.string(), secret: z.string() });
export type SimWorker = z.infer<typeof SimWorker>;

/** What the benchmark tells a child. */
export const ToChild = z.discriminatedUnion('type', [
  /** `offset`: the index of the first worker in the whole fleet (for unique fake addresses). */
  z.object({ type: z.literal('start'), url: z.string(), offset: z.number().int().nonnegative(), workers: z.array(SimWorker) }),
  z.object({ type: z.literal('stop') }),
]);
export type ToChild = z.infer<typeof ToChild>;

/** What a child reports back. */
export const FromChild = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  /** Sent about once a second while running: the child's own view of its links. */
  z.object({ type: z.literal('status'), linked: z.number().int(), total: z.number().int(), refused: z.number().int() }),
  z.object({ type: z.literal('stopped') }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type FromChild = z.infer<typeof FromChild>;
