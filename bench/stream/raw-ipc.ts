import { z } from 'zod';

/**
 * IPC of the raw baseline: the benchmark, its sink and its forwarders. IPC crosses a process boundary, so each
 * side parses what it receives.
 */

/** The benchmark to a forwarder: start `agents` flood agents and forward their stdout to the sink at `url`. */
export const ToForwarder = z.object({
  type: z.literal('start'),
  url: z.string(),
  agents: z.number().int().positive(),
  agentPath: z.string(),
  prompt: z.string(),
});
export type ToForwarder = z.infer<typeof ToForwarder>;

/** A forwarder's report once every agent exited and every frame left its socket. */
export const ForwarderDone = z.object({
  type: z.literal('done'),
  /** Date.now() just before the first agent was spawned. */
  startedAt: z.number(),
  /** Date.now() when the last agent exited. */
  agentsEndedAt: z.number(),
  /** Payload bytes of the frames sent (what the sink counts) and the agent bytes inside them. */
  frameBytes: z.number(),
  dataBytes: z.number(),
  frames: z.number(),
  /** The tail of each agent's stdout, for its summary line. */
  tails: z.array(z.string()),
  exitCodes: z.array(z.number().nullable()),
});

export const FromForwarder = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  ForwarderDone,
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type FromForwarder = z.infer<typeof FromForwarder>;

/** The sink's counts: payload bytes and frames received so far, and when the last frame arrived. */
export const SinkCount = z.object({ type: z.literal('count'), bytes: z.number(), frames: z.number(), lastAt: z.number(), at: z.number() });
export type SinkCount = z.infer<typeof SinkCount>;

export const FromSink = z.discriminatedUnion('type', [z.object({ type: z.literal('listening'), port: z.number().int() }), SinkCount]);
export type FromSink = z.infer<typeof FromSink>;

/** The benchmark to the sink: report the counts now. */
export const ToSink = z.object({ type: z.literal('count') });
export type ToSink = z.infer<typeof ToSink>;
