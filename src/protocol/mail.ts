import { z } from 'zod';
import { RequestId } from './power.js';
import { TaskId } from './tasks.js';

/** A mail Message-ID as PIA makes them: `<...@domain>`. */
export const MessageId = z.string().regex(/^<[^<>\s]{1,250}>$/, 'a Message-ID is <...>');

/** The longest task text an agent may mail another machine (the hub's prompt limit). */
export const MAX_RELAY_TEXT = 100_000;

/**
 * An agent hands work to another machine (`pia mail m3 "..."` in a task): the worker asks the hub to send the mail
 * on behalf of the running task `taskId`. With `wait`, the worker also wants the answer when it comes back.
 */
export const MailSend = z.object({
  type: z.literal('mail.send'),
  requestId: RequestId,
  taskId: TaskId,
  /** The other machine's name or alias. */
  to: z.string().min(1).max(64),
  subject: z.string().max(200).optional(),
  text: z.string().min(1).max(MAX_RELAY_TEXT),
  wait: z.boolean().default(false),
});

/** The worker (again, after a reconnect) waits for the answers to these relay mails. */
export const MailWatch = z.object({
  type: z.literal('mail.watch'),
  messageIds: z.array(MessageId).min(1).max(1000),
});

/** The hub's answer to `mail.send`: queued for sending, or refused with a reason a person can act on. */
export const MailSent = z.object({
  type: z.literal('mail.sent'),
  requestId: RequestId,
  ok: z.boolean(),
  messageId: MessageId.optional(),
  /** The address the mail goes to, for the agent's own record. */
  address: z.string().max(320).optional(),
  error: z.string().max(4096).optional(),
});

/** The answer to a relay mail came back (or the relay was refused on arrival): for the waiting agent. */
export const MailAnswer = z.object({
  type: z.literal('mail.answer'),
  messageId: MessageId,
  machine: z.string().max(64),
  taskId: TaskId.optional(),
  /** The other task's final state, or `refused` when it was never started. */
  state: z.string().max(32),
  text: z.string().max(1_000_000),
});
export type MailAnswer = z.infer<typeof MailAnswer>;
