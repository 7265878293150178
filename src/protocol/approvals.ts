import { z } from 'zod';
import { TaskId } from './tasks.js';

export { TaskMode, taskModes } from './tasks.js';

/**
 * Approvals on the wire: an agent asks before it uses a tool (or asks the person a question, or shows its plan), the
 * worker passes the request to the hub, the hub's first answer goes back. The shapes are the agent's, not Claude
 * Code's: another agent's adapter maps its own prompts to the same messages.
 */

/** What the agent wants: to use a tool, an answer to its questions, or approval of its plan. */
export const approvalKinds = ['tool', 'question', 'plan'] as const;
export const ApprovalKind = z.enum(approvalKinds);
export type ApprovalKind = z.infer<typeof ApprovalKind>;

/** One question the agent asks, with the choices it offers (AskUserQuestion). */
export const ApprovalQuestion = z.object({
  question: z.string().max(2000),
  header: z.string().max(200).optional(),
  options: z.array(z.object({ label: z.string().max(300), description: z.string().max(1000).optional() })).max(8),
  multiSelect: z.boolean(),
});
export type ApprovalQuestion = z.infer<typeof ApprovalQuestion>;

/** The worker's id of a request: the agent's own (Claude Code's request UUID), unique within its task. */
export const RequestId = z.string().min(1).max(128);

/** What a person decides: allow (once, for the rest of the task, or always on this machine) or deny. */
export const approvalScopes = ['once', 'task', 'always'] as const;
export const ApprovalScope = z.enum(approvalScopes);
export type ApprovalScope = z.infer<typeof ApprovalScope>;

/** worker -> hub: an agent waits for a person. Text is made inert (no control characters) and cut by the worker. */
export const ApprovalRequested = z.object({
  type: z.literal('approval.requested'),
  taskId: TaskId,
  requestId: RequestId,
  kind: ApprovalKind,
  /** The tool's name (`Bash`, `Edit`, `AskUserQuestion`, ...). */
  tool: z.string().max(256),
  /** One line a person reads: the command line, the file, the URL, the first question. */
  summary: z.string().max(1000),
  /** More when it helps: a short diff, the plan, the agent's reason for asking. */
  detail: z.string().max(8000).optional(),
  questions: z.array(ApprovalQuestion).max(4).optional(),
  /** The agent offers a rule that outlives the task ("always on this machine"). */
  canAlways: z.boolean(),
  /** When the agent asked (worker clock, epoch ms). */
  at: z.number().int().nonnegative(),
});
export type ApprovalRequested = z.infer<typeof ApprovalRequested>;

/** worker -> hub: the agent no longer waits (it was interrupted, or its process ended). */
export const ApprovalWithdrawn = z.object({
  type: z.literal('approval.withdrawn'),
  taskId: TaskId,
  requestId: RequestId,
  reason: z.string().max(500),
});

/** worker -> hub: the answer reached the agent; the hub stops sending it again. */
export const ApprovalApplied = z.object({ type: z.literal('approval.applied'), taskId: TaskId, requestId: RequestId });

/** hub -> worker: the decision, sent until the worker says it was applied (after a cut link or a hub restart too). */
export const ApprovalAnswer = z.object({
  type: z.literal('approval.answer'),
  taskId: TaskId,
  requestId: RequestId,
  decision: z.enum(['allow', 'deny']),
  scope: ApprovalScope,
  /** Why it was denied (or what to plan instead), for the agent. */
  message: z.string().max(2000).optional(),
  /** Answers to the agent's questions: question text -> chosen label(s) (several joined with ", ") or free text. */
  answers: z.record(z.string().max(2000), z.string().max(2000)).optional(),
  /** Who decided: an identity, or `hub` for a time-out. */
  by: z.string().max(256),
});
export type ApprovalAnswer = z.infer<typeof ApprovalAnswer>;
