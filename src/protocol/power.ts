import { z } from 'zod';

/** A request id for hub-to-worker requests that expect a `power.result`. */
export const RequestId = z.string().regex(/^[a-z0-9-]{8,64}$/);

/** Ask a worker to send a magic-packet burst from its own network (relay wake). */
export const WolRequest = z.object({
  type: z.literal('power.wol'),
  requestId: RequestId,
  mac: z.string().max(32),
  secureOn: z.string().max(64).optional(),
  targets: z.array(z.object({ host: z.string().max(255), port: z.number().int().min(1).max(65535) })).min(1).max(64),
  count: z.number().int().min(1).max(20),
  intervalMs: z.number().int().min(0).max(10_000),
});

/** Ask a worker to put its own machine to sleep, shut it down or restart it. */
export const PowerCommand = z.object({
  type: z.literal('power.command'),
  requestId: RequestId,
  action: z.enum(['shutdown', 'sleep', 'restart']),
  /** Refuse when someone is logged in on the machine (idle sleep); the worker checks right before acting. */
  unlessLoggedIn: z.boolean().optional(),
});
export type PowerAction = z.infer<typeof PowerCommand>['action'];

/** A worker's answer to either request. */
export const PowerResult = z.object({
  type: z.literal('power.result'),
  requestId: RequestId,
  ok: z.boolean(),
  message: z.string().max(4096),
});
