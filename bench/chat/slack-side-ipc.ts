import { z } from 'zod';

/**
 * IPC between the benchmark and its Slack-side process (the fake Web API and the commands a person types). IPC
 * crosses a process boundary, so each side parses what it receives.
 */

/** The benchmark to the Slack side: send commands to `url` (after `warmUp` untimed ones), or stop. */
export const ToSlackSide = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('run'),
    url: z.string(),
    secret: z.string(),
    user: z.string(),
    text: z.string(),
    warmUp: z.number().int().nonnegative(),
    commands: z.number().int().positive(),
    burst: z.number().int().nonnegative(),
  }),
  z.object({ type: z.literal('stop') }),
]);
export type ToSlackSide = z.infer<typeof ToSlackSide>;

const Ms = z.array(z.number());

/** What the Slack side measured, all on its own clock. */
export const SlackSideResult = z.object({
  /** From sending each timed command to reading the whole HTTP answer (the acknowledgement). */
  ackMs: Ms,
  /** From sending it to its answer arriving at chat.postMessage; null when none came. */
  answerMs: z.array(z.number().nullable()),
  burstAckMs: Ms,
  burstAnswerMs: z.array(z.number().nullable()),
  /** HTTP statuses of every acknowledgement (warm-up excluded), by status. */
  statuses: z.record(z.string(), z.number()),
  /** Web API calls that reached the fake, by method, and how many it answered 429. */
  calls: z.record(z.string(), z.number()),
  rateLimited: z.number(),
});
export type SlackSideResult = z.infer<typeof SlackSideResult>;

export const FromSlackSide = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), apiUrl: z.string(), botToken: z.string() }),
  z.object({ type: z.literal('progress'), sent: z.number().int() }),
  z.object({ type: z.literal('done'), result: SlackSideResult }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type FromSlackSide = z.infer<typeof FromSlackSide>;
