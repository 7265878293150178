import { z } from 'zod';
import { MAX_RELAY_TEXT } from '../../protocol/mail.js';

/**
 * What a task's agent may ask its worker over the agent socket (one JSON object per line). `token` is the
 * task's own secret from PIA_TASK_TOKEN: it names the task and proves the caller is its agent.
 */
export const AgentRequest = z.object({
  op: z.literal('mail'),
  token: z.string().min(16).max(128),
  to: z.string().min(1).max(64),
  subject: z.string().max(200).optional(),
  text: z.string().min(1).max(MAX_RELAY_TEXT),
  wait: z.boolean().default(false),
});
export type AgentRequest = z.infer<typeof AgentRequest>;

/** What the worker answers, one JSON object per line. */
export type AgentReply =
  | { type: 'sent'; messageId: string; address: string }
  | { type: 'answer'; machine: string; taskId?: string; state: string; text: string }
  | { type: 'error'; message: string };
