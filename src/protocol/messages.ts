import { z } from 'zod';
import { Facts } from './facts.js';
import { LedgerEntry, TaskId, TaskOutcome, TaskSpec } from './tasks.js';
import { PowerCommand, PowerResult, WolRequest } from './power.js';
import { MailAnswer, MailSend, MailSent, MailWatch } from './mail.js';
import { ApprovalAnswer, ApprovalApplied, ApprovalRequested, ApprovalWithdrawn } from './approvals.js';

/**
 * The wire protocol version both sides speak. Bumped on any incompatible change. 2: task output moved from the JSON
 * `task.output` message to binary frames (output-frame.ts), and `output.ack` acknowledges many tasks at once.
 */
export const PROTOCOL_VERSION = 2;

/** Machine names: what a person types in chat, so short, lowercase and shell-free. */
export const MachineName = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'a machine name is 1-64 of a-z, 0-9 and -, not starting or ending with -');

/** How far a task's output is stored. */
export const OutputAck = z.object({ taskId: TaskId, seq: z.number().int().nonnegative() });
export type OutputAck = z.infer<typeof OutputAck>;
/** The most acknowledgements one `output.ack` carries (a worker runs at most 1,000 tasks). */
export const MAX_ACKS = 1000;

/** How a worker proves who it is in its hello. */
export const LinkAuth = z.discriminatedUnion('kind', [
  /** First link: a single-use join token from `pia machines add`, exchanged for a per-machine secret. */
  z.object({ kind: z.literal('join'), token: z.string().min(1).max(256), name: MachineName.optional() }),
  /** Every later link: the per-machine secret kept in the worker's state dir. */
  z.object({ kind: z.literal('secret'), secret: z.string().min(1).max(256) }),
]);
export type LinkAuth = z.infer<typeof LinkAuth>;

/** Messages a worker sends to the hub as JSON (its task output goes in binary frames: output-frame.ts). */
export const WorkerMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    protocol: z.literal(PROTOCOL_VERSION),
    auth: LinkAuth,
    facts: Facts,
    /** How many tasks this worker runs at once; the hub queues the rest. */
    maxTasks: z.number().int().positive().max(1000).default(2),
    /** The worker's ledger: tasks it accepted and has not been told to forget, so nothing runs twice. */
    ledger: z.array(LedgerEntry).max(10_000).default([]),
  }),
  z.object({ type: z.literal('heartbeat'), at: z.number().int().nonnegative() }),
  z.object({ type: z.literal('facts'), facts: Facts }),
  /** The worker started the task's process (or its first step). */
  z.object({ type: z.literal('task.started'), taskId: TaskId, workspace: z.string().max(4096), at: z.number().int().nonnegative() }),
  z.object({ type: z.literal('task.finished'), outcome: TaskOutcome }),
  PowerResult,
  MailSend,
  MailWatch,
  ApprovalRequested,
  ApprovalWithdrawn,
  ApprovalApplied,
]);
export type WorkerMessage = z.infer<typeof WorkerMessage>;
export type WorkerMessageType = WorkerMessage['type'];

/** Messages the hub sends to a worker. */
export const HubMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('welcome'),
    protocol: z.literal(PROTOCOL_VERSION),
    machine: MachineName,
    /** Present only when a join token was exchanged: the worker must keep it (mode 0600). */
    secret: z.string().optional(),
    heartbeatS: z.number().positive(),
  }),
  z.object({ type: z.literal('task.assign'), task: TaskSpec }),
  z.object({ type: z.literal('task.cancel'), taskId: TaskId, by: z.string().max(256) }),
  /**
   * For each task, every chunk up to `seq` is stored: the worker may drop it from its spool. One message for all of
   * a worker's tasks a write of the hub stored: at 100 tasks a message each was a tenth of the hub's busy time.
   */
  z.object({ type: z.literal('output.ack'), acks: z.array(OutputAck).min(1).max(MAX_ACKS) }),
  /** The outcome is recorded: the worker may forget the task. */
  z.object({ type: z.literal('task.recorded'), taskId: TaskId }),
  WolRequest,
  PowerCommand,
  MailSent,
  MailAnswer,
  ApprovalAnswer,
]);
export type HubMessage = z.infer<typeof HubMessage>;
export type HubMessageType = HubMessage['type'];

/** The `type` values each direction knows, for "unknown type" vs "invalid message" errors. */
export const workerMessageTypes: ReadonlySet<string> = new Set(WorkerMessage.options.map((o) => o.shape.type.value));
export const hubMessageTypes: ReadonlySet<string> = new Set(HubMessage.options.map((o) => o.shape.type.value));
