import { z } from 'zod';
import { Facts } from './facts.js';
import { Origin, taskKinds, taskModes, taskStates } from './tasks.js';
import { ApprovalQuestion, approvalKinds, approvalScopes } from './approvals.js';
import { WorktreeResult } from './worktree.js';

/**
 * The hub's HTTP API as data: what each route answers. The routes are typed by these, and the CLI (and the web
 * page) parse every answer with them, as `messages.ts` does for the worker link: nothing is cast on the client.
 */

const isoTime = z.string();
const powerStates = ['online', 'awake', 'off', 'unknown', 'waking', 'booting', 'starting'] as const;

/** What an operator told PIA about a machine, as the API shows it (validated on the way in, not here). */
export const CapabilitiesView = z
  .object({
    mac: z.string(),
    ip: z.string(),
    sshUser: z.string(),
    sshPort: z.number(),
    sshHostKey: z.string(),
    workerPath: z.string(),
    tags: z.array(z.string()),
    wolTargets: z.array(z.string()),
    secureOn: z.string(),
    autoWake: z.boolean(),
    startCommand: z.array(z.string()),
    os: z.enum(['linux', 'darwin', 'win32']),
    probePorts: z.array(z.number()),
    sshHost: z.string(),
    sleepWhenIdleS: z.number(),
    idleAction: z.enum(['sleep', 'shutdown']),
    idleForce: z.boolean(),
    sleepAfterWake: z.boolean(),
    /** Tasks here may run in `full` mode (never asking); admins only. */
    allowFull: z.boolean(),
    /** The mode of tasks that name none. */
    defaultMode: z.enum(taskModes),
    defaultAgent: z.string().max(64),
  })
  .partial();

/** A machine, as the API shows it (no internal ids). */
export const MachineView = z.object({
  name: z.string(),
  aliases: z.array(z.string()),
  status: z.enum(['online', 'offline']),
  powerState: z.enum(powerStates),
  powerStateAt: isoTime.nullable(),
  powerEvidence: z.string().nullable(),
  lastSeen: isoTime.nullable(),
  facts: Facts.nullable(),
  capabilities: CapabilitiesView,
  createdAt: isoTime,
  /** Its mail address, when the email gateway is on. */
  email: z.string().optional(),
  /** The MAC its worker reported on its default route: used to wake it unless `capabilities.mac` is set. */
  learnedMac: z.object({ mac: z.string(), interface: z.string() }).optional(),
  /** Its labels (`os=linux`, `gpu=nvidia`, `repo=acme/app`, its tags): what `any[...]` targets match. */
  labels: z.array(z.string()).optional(),
});
export type MachineView = z.infer<typeof MachineView>;

/** A task, as the API, events and chat show it. */
export const TaskView = z.object({
  id: z.string(),
  machine: z.string(),
  kind: z.enum(taskKinds),
  state: z.enum(taskStates),
  prompt: z.string().nullable(),
  agent: z.string().nullable(),
  argv: z.array(z.string()).nullable(),
  repo: z.object({ url: z.string(), ref: z.string().nullable() }).nullable(),
  workspace: z.string().nullable(),
  workspacePath: z.string().nullable(),
  parentId: z.string().nullable(),
  deployId: z.string().nullable(),
  resumeSession: z.string().nullable(),
  sessionId: z.string().nullable(),
  /** How much the agent may do without asking (null: ask). */
  mode: z.enum(taskModes).nullable(),
  /** Push the branch when the task succeeds (and open a pull request where the machine's gh can). */
  push: z.boolean(),
  /** The earlier task whose worktree this follow-up works in. */
  worktreeOf: z.string().nullable(),
  /** The task's branch at its end, in its own worktree (tasks in a repository). */
  worktree: WorktreeResult.nullable(),
  requester: z.string(),
  origin: Origin,
  timeoutS: z.number(),
  createdAt: isoTime,
  expiresAt: isoTime.nullable(),
  dispatchedAt: isoTime.nullable(),
  startedAt: isoTime.nullable(),
  finishedAt: isoTime.nullable(),
  exitCode: z.number().nullable(),
  error: z.string().nullable(),
  summary: z.string().nullable(),
  costUsd: z.number().nullable(),
  cancelRequestedBy: z.string().nullable(),
  cancelledBy: z.string().nullable(),
  outputSeq: z.number(),
  outputBytes: z.number(),
  /** When retention removed the task's output (null: it is kept). */
  outputPrunedAt: isoTime.nullable(),
});
export type TaskView = z.infer<typeof TaskView>;

/** The disk task output takes on the hub, and the retention policy (bytes; 0 days or bytes: no limit). */
export const StorageView = z.object({
  /** Output kept, before compression, and the disk it takes (compressed blocks). */
  outputKeptBytes: z.number(),
  outputDiskBytes: z.number(),
  /** The database file and its write-ahead log; free pages inside the file are reused before it grows. */
  databaseBytes: z.number(),
  walBytes: z.number(),
  freeBytes: z.number(),
  keepDays: z.number(),
  maxBytes: z.number(),
});
export type StorageView = z.infer<typeof StorageView>;

/** What a prune removed (or, for a dry run, would remove). */
export const PrunedView = z.object({
  tasks: z.number(),
  outputBytes: z.number(),
  diskBytes: z.number(),
  newestFinishedAt: isoTime.nullable(),
  dryRun: z.boolean(),
});

export const approvalStates = ['pending', 'allowed', 'denied', 'timed_out', 'withdrawn'] as const;

/** An agent waiting for a person, or how that was settled: who decided, when, and how. */
export const ApprovalView = z.object({
  /** The short code people type: `approve 4kq2mf`. */
  id: z.string(),
  taskId: z.string(),
  machine: z.string(),
  /** The agent's own id of the request (within its task). */
  requestId: z.string(),
  kind: z.enum(approvalKinds),
  tool: z.string(),
  summary: z.string(),
  detail: z.string().nullable(),
  questions: z.array(ApprovalQuestion).nullable(),
  /** "Always on this machine" can be offered (the agent suggested a rule). */
  canAlways: z.boolean(),
  state: z.enum(approvalStates),
  scope: z.enum(approvalScopes).nullable(),
  answers: z.record(z.string(), z.string()).nullable(),
  reason: z.string().nullable(),
  decidedBy: z.string().nullable(),
  createdAt: isoTime,
  expiresAt: isoTime,
  decidedAt: isoTime.nullable(),
  appliedAt: isoTime.nullable(),
});
export type ApprovalView = z.infer<typeof ApprovalView>;

/** A stored output chunk. */
export const ChunkView = z.object({ seq: z.number(), offset: z.number(), stream: z.enum(['stdout', 'stderr', 'event']), data: z.string(), at: z.number() });
export type ChunkView = z.infer<typeof ChunkView>;

/** One step of a wake or bootstrap. */
export const PowerProgressView = z.object({
  machine: z.string(),
  operation: z.string(),
  kind: z.enum(['wake', 'bootstrap']),
  index: z.number(),
  step: z.enum(['start', 'wake', 'wait_awake', 'bootstrap', 'wait_online', 'done']),
  state: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
  message: z.string(),
  progress: z.number(),
  error: z.string().optional(),
});

/** A wake or bootstrap with every step it reported. */
export const OperationView = z.object({
  id: z.string(),
  machine: z.string(),
  kind: z.enum(['wake', 'bootstrap']),
  requestedBy: z.string(),
  state: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
  steps: z.array(PowerProgressView),
  startedAt: isoTime,
  finishedAt: isoTime.nullable(),
});

/** A probe of a machine's power, with its evidence. */
export const PowerReadingView = z.object({
  machine: z.string(),
  powerState: z.enum(powerStates),
  evidence: z.string(),
  at: isoTime,
  probe: z
    .object({ state: z.enum(['awake', 'off']), evidence: z.string(), ports: z.array(z.object({ port: z.number(), result: z.string() })) })
    .nullable(),
});

/** One finding of `doctor`. */
export const FindingView = z.object({ level: z.enum(['ok', 'warn', 'error']), message: z.string() });

/** One line of the audit log. */
export const AuditEntryView = z.object({
  id: z.number(),
  at: isoTime,
  actor: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  outcome: z.enum(['ok', 'refused', 'failed']),
  detail: z.string().nullable(),
  origin: z.string().nullable(),
});

/** Someone with a role, and where the role comes from. */
export const UserView = z.object({
  identity: z.string(),
  role: z.enum(['viewer', 'operator', 'admin']),
  source: z.enum(['config', 'users']),
  addedBy: z.string().optional(),
  addedAt: z.string().optional(),
});

/** A schedule: a command run at cron times, as its owner. */
export const ScheduleView = z.object({
  name: z.string(),
  cron: z.string(),
  tz: z.string(),
  command: z.string(),
  owner: z.string(),
  /** Where results go (`slack:C123`, `mail:ada@example.com`), or null. */
  report: z.string().nullable(),
  state: z.enum(['active', 'paused']),
  pausedReason: z.string().nullable(),
  nextRunAt: isoTime.nullable(),
  lastRunAt: isoTime.nullable(),
  lastOutcome: z.string().nullable(),
  createdAt: isoTime,
  createdBy: z.string(),
});
export type ScheduleView = z.infer<typeof ScheduleView>;

/** What a command of the chat language produced (`POST /api/commands`), as every front end renders it. */
export const ActionResultView = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('text'), text: z.string() }),
  z.object({ kind: z.literal('refused'), text: z.string() }),
  z.object({ kind: z.literal('error'), code: z.string(), text: z.string(), usage: z.string().optional() }),
  /** The fleet at a glance: counts over all machines, and the first machines by name (offline ones first). */
  z.object({ kind: z.literal('fleet'), total: z.number(), online: z.number(), machines: z.array(MachineView) }),
  z.object({ kind: z.literal('machine'), machine: MachineView, findings: z.array(FindingView).optional() }),
  z.object({ kind: z.literal('power'), readings: z.array(PowerReadingView) }),
  z.object({ kind: z.literal('operations'), operations: z.array(OperationView) }),
  z.object({ kind: z.literal('tasks_started'), tasks: z.array(TaskView), placement: z.string().optional() }),
  z.object({ kind: z.literal('tasks'), tasks: z.array(TaskView) }),
  z.object({ kind: z.literal('logs'), task: TaskView, text: z.string() }),
  z.object({ kind: z.literal('task'), task: TaskView }),
  z.object({ kind: z.literal('power_commands'), results: z.array(z.object({ machine: z.string(), ok: z.boolean(), message: z.string() })) }),
  z.object({ kind: z.literal('confirm'), text: z.string(), token: z.string() }),
  z.object({ kind: z.literal('schedules'), schedules: z.array(ScheduleView) }),
  z.object({ kind: z.literal('schedule'), text: z.string(), schedule: ScheduleView }),
  z.object({ kind: z.literal('link'), url: z.string(), expiresAt: isoTime, identity: z.string(), role: z.enum(['viewer', 'operator', 'admin']) }),
  z.object({ kind: z.literal('approvals'), approvals: z.array(ApprovalView) }),
  /** An approval just settled by this request. */
  z.object({ kind: z.literal('approval'), approval: ApprovalView }),
]);
export type ActionResultView = z.infer<typeof ActionResultView>;

/** The answers, route by route. */
export const api = {
  health: z.object({ status: z.literal('ok'), mode: z.string(), version: z.string() }),
  machines: z.object({ machines: z.array(MachineView) }),
  machine: z.object({ machine: MachineView }),
  machineCreated: z.object({ machine: MachineView, joinToken: z.string(), expiresAt: isoTime }),
  joinToken: z.object({ joinToken: z.string(), expiresAt: isoTime }),
  revoked: z.object({ revoked: z.number() }),
  removed: z.object({ removed: z.string(), revoked: z.number() }),
  task: z.object({ task: TaskView }),
  /** `placement`: why `any[...]` chose these machines, in one line. */
  tasks: z.object({ tasks: z.array(TaskView), placement: z.string().optional() }),
  deployed: z.object({ deployId: z.string(), tasks: z.array(TaskView), placement: z.string().optional() }),
  output: z.object({ chunks: z.array(ChunkView), nextSeq: z.number(), done: z.boolean() }),
  powerState: PowerReadingView,
  operation: z.object({ operation: OperationView }),
  powerCommand: z.object({ ok: z.boolean(), message: z.string() }),
  hostKey: z.object({ machine: z.string(), host: z.string(), port: z.number(), fingerprint: z.string(), pinned: z.string().nullable() }),
  trusted: z.object({ machine: z.string(), sshHostKey: z.string().optional() }),
  doctor: z.object({ findings: z.array(FindingView) }),
  audit: z.object({ entries: z.array(AuditEntryView) }),
  users: z.object({ users: z.array(UserView) }),
  user: z.object({ user: UserView }),
  userRemoved: z.object({ removed: z.string() }),
  command: z.object({ result: ActionResultView }),
  schedules: z.object({ schedules: z.array(ScheduleView) }),
  schedule: z.object({ schedule: ScheduleView }),
  scheduleRemoved: z.object({ removed: z.string() }),
  storage: z.object({ storage: StorageView }),
  pruned: z.object({ pruned: PrunedView }),
  approvals: z.object({ approvals: z.array(ApprovalView) }),
  approval: z.object({ approval: ApprovalView }),
  error: z.object({ error: z.object({ code: z.string(), message: z.string(), fields: z.record(z.string(), z.string()).optional() }) }),
} as const;

/** The type of a route's answer. */
export type ApiResponse<K extends keyof typeof api> = z.infer<(typeof api)[K]>;
