import { PiaError } from '../../common/errors.js';
import { checkRef, checkRepoUrl, repoFolderName } from '../../common/repo-url.js';
import { finalStates, type Origin, type TaskMode, type TaskState } from '../../protocol/tasks.js';
import type { Db } from '../db/database.js';
import type { EventBus } from '../events.js';
import type { LinkServer } from '../link/link-server.js';
import type { Actor } from '../machine-admin.js';
import type { AuditLog } from '../registry/audit.js';
import type { Machine } from '../registry/machine.js';
import type { MachineStore } from '../registry/machines.js';
import { chooseAgent } from './agent-choice.js';
import type { Dispatcher } from './dispatcher.js';
import type { NewTask, StoredChunk, Task } from './task.js';
import { newTaskId, readOutput, type TaskStore } from './task-store.js';

/** Task settings from the hub's config. */
export interface TaskPolicy {
  defaultTimeoutS: number;
  queueExpiryMs: number;
  allowFileRepos: boolean;
  /** The agent of tasks that name none, on machines without their own default (PIA_DEFAULT_AGENT). */
  defaultAgent?: string;
}

const maxPrompt = 100_000;
const workspaceName = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;

function checkPrompt(prompt: string): string {
  if (prompt.trim().length === 0) throw new PiaError('prompt_empty', 'The task text is empty; say what the agent should do.');
  if (prompt.length > maxPrompt) throw new PiaError('prompt_too_long', `The task text is ${prompt.length} characters; the limit is ${maxPrompt}.`);
  return prompt;
}

function checkTimeout(timeoutS: number | undefined, fallback: number): number {
  if (timeoutS === undefined) return fallback;
  if (!Number.isFinite(timeoutS) || timeoutS <= 0 || timeoutS > 7 * 86400) {
    throw new PiaError('timeout_invalid', 'A task time-out must be more than 0 seconds and at most 7 days.');
  }
  return timeoutS;
}

/**
 * A task's mode: the one asked for, else the machine's default, else `ask`. `full` (the agent never asks) only where
 * the machine allows it; who may ask for it (admins) is the caller's check.
 */
export function modeOf(machine: Machine, asked: TaskMode | undefined): TaskMode {
  const mode = asked ?? machine.capabilities.defaultMode ?? 'ask';
  if (mode === 'full' && machine.capabilities.allowFull !== true) {
    throw new PiaError('mode_refused', `${machine.name} does not allow full mode (where the agent never asks). An admin can allow it with: pia machines set ${machine.name} --allow-full`);
  }
  return mode;
}

/** A caller's key that makes creating a task idempotent (see `ExecuteOptions.idempotencyKey`). */
export interface Keyed {
  idempotencyKey?: string;
}

/** Input of a `run` task. */
export interface RunInput extends Keyed {
  machine: string;
  prompt: string;
  agent?: string;
  workspace?: string;
  timeoutS?: number;
  /** How much the agent may do without asking (default: the machine's, else ask). */
  mode?: TaskMode;
  /** Push the task's branch when it succeeds (tasks in a repository). */
  push?: boolean;
  origin: Origin;
}

/** Input of a deploy: one repository, one or more machines, a task text each. */
export interface DeployInput extends Keyed {
  repo: string;
  ref?: string;
  targets: Array<{ machine: string; prompt: string }>;
  agent?: string;
  timeoutS?: number;
  mode?: TaskMode;
  /** Push each task's branch when it succeeds, and open a pull request where the machine's gh can. */
  push?: boolean;
  origin: Origin;
}

/** Creating, cancelling and reading tasks; every change audited. */
export interface TaskService {
  /** An agent prompt on one machine. */
  run(actor: Actor, input: RunInput): Task;
  /** Continues an earlier task's agent session, on the same machine and in the same workspace. */
  followUp(actor: Actor, input: { taskId: string; prompt: string; origin: Origin; timeoutS?: number } & Keyed): Task;
  /** Clone-and-go: one task per machine, all created in one transaction. */
  deploy(actor: Actor, input: DeployInput): { deployId: string; tasks: Task[] };
  /** A command as an argv array (admin only: the caller checks the role). */
  shell(actor: Actor, input: { machine: string; argv: string[]; timeoutS?: number; origin: Origin } & Keyed): Task;
  /** Cancels a task: at once when queued; through its worker (SIGINT, SIGTERM, SIGKILL) when it runs. */
  cancel(actor: Actor, id: string): Task;
  /** A task by id; `task_unknown` otherwise. */
  get(id: string): Task;
  /** The tasks an earlier request with this idempotency key created (none: it is new). */
  keyed(key: string): Task[];
  list(q: { machine?: string; state?: TaskState; deployId?: string; limit?: number }): Task[];
  /** Stored output from `fromSeq` on. */
  output(id: string, fromSeq?: number, limit?: number): { chunks: StoredChunk[]; nextSeq: number; done: boolean };
  /** A task's stdout and stderr as text (at most `maxBytes`, the start). */
  logText(id: string, maxBytes?: number): string;
}

/** Creates the task service. */
export function createTaskService(deps: {
  db: Db;
  tasks: TaskStore;
  machines: MachineStore;
  dispatcher: Dispatcher;
  links: LinkServer;
  bus: EventBus;
  audit: AuditLog;
  policy: TaskPolicy;
  /** Called for each machine that got new tasks while its worker is not linked (auto-wake). */
  onQueuedOffline?: (machineId: number, actor: Actor) => void;
  /** The clock queue-expiry deadlines are set by: the one the dispatcher checks them with (a steady clock). */
  deadlineNow?: () => Date;
}): TaskService {
  const { tasks, machines, bus, audit, policy } = deps;
  const deadlineNow = deps.deadlineNow ?? (() => new Date());

  function base(machine: Machine, actor: Actor, origin: Origin, timeoutS: number | undefined): Pick<NewTask, 'id' | 'machineId' | 'machine' | 'requester' | 'origin' | 'timeoutS' | 'expiresAt'> {
    return {
      id: newTaskId(),
      machineId: machine.id,
      machine: machine.name,
      requester: actor.id,
      origin,
      timeoutS: checkTimeout(timeoutS, policy.defaultTimeoutS),
      expiresAt: new Date(deadlineNow().getTime() + policy.queueExpiryMs).toISOString(),
    };
  }

  function submit(actor: Actor, action: string, created: NewTask[]): Task[] {
    // The same request again (its key known): the tasks it made, not new ones. A request's tasks are inserted in
    // one transaction, so either all of them exist or none.
    const again = created.map((t) => (t.requestKey ? tasks.byKey(t.requestKey) : undefined));
    if (again.length && again.every((t) => t !== undefined)) return again as Task[];
    tasks.insert(created);
    const out = created.map((t) => tasks.get(t.id)!);
    for (const t of out) {
      audit.record({ actor: actor.id, origin: actor.origin, action, target: `${t.machine}/${t.id}`, outcome: 'ok', detail: t.prompt?.slice(0, 200) ?? t.argv?.join(' ').slice(0, 200) ?? null });
      bus.emit('task.created', { task: t });
    }
    for (const machineId of new Set(created.map((t) => t.machineId))) {
      deps.dispatcher.pump(machineId);
      if (!deps.links.get(machineId)) deps.onQueuedOffline?.(machineId, actor);
    }
    return out.map((t) => tasks.get(t.id)!);
  }

  const service: TaskService = {
    /** An agent prompt on one machine. */
    run(actor: Actor, input: RunInput): Task {
      const machine = machines.get(input.machine);
      if (input.workspace !== undefined && !workspaceName.test(input.workspace)) {
        throw new PiaError('workspace_invalid', 'A workspace is a folder name (letters, digits, . _ -), not a path.');
      }
      const mode = modeOf(machine, input.mode);
      const agent = chooseAgent(machine, input.agent, mode, policy.defaultAgent);
      return submit(actor, 'task.run', [
        {
          ...base(machine, actor, input.origin, input.timeoutS),
          kind: 'run',
          prompt: checkPrompt(input.prompt),
          mode,
          ...(agent ? { agent } : {}),
          ...(input.workspace ? { workspace: input.workspace } : {}),
          ...(input.push ? { push: true } : {}),
          ...(input.idempotencyKey ? { requestKey: input.idempotencyKey } : {}),
        },
      ])[0]!;
    },

    /** Continues an earlier task's agent session, on the same machine and in the same workspace. */
    followUp(actor: Actor, input: { taskId: string; prompt: string; origin: Origin; timeoutS?: number } & Keyed): Task {
      const parent = service.get(input.taskId);
      if (parent.kind === 'shell') throw new PiaError('not_an_agent_task', `Task ${parent.id} ran a command, not an agent; there is no session to continue.`);
      if (!parent.sessionId) {
        throw new PiaError('no_session', `Task ${parent.id} has no agent session to continue${finalStates.has(parent.state) ? '' : ' yet (it has not reported one)'}.`);
      }
      const machine = machines.get(parent.machine);
      return submit(actor, 'task.follow-up', [
        {
          ...base(machine, actor, input.origin, input.timeoutS),
          kind: 'run',
          prompt: checkPrompt(input.prompt),
          ...(parent.agent ? { agent: parent.agent } : {}),
          ...(parent.workspace ? { workspace: parent.workspace } : {}),
          parentId: parent.id,
          resumeSession: parent.sessionId,
          // The session goes on as it was started: a follow-up never asks less than its parent did.
          mode: modeOf(machine, parent.mode ?? undefined),
          // Same branch, same worktree: the follow-up goes on with the work, and pushes it if its parent did.
          ...(parent.worktree ? { worktreeOf: parent.worktreeOf ?? parent.worktree.owner } : {}),
          ...(parent.push ? { push: true } : {}),
          ...(input.idempotencyKey ? { requestKey: input.idempotencyKey } : {}),
        },
      ])[0]!;
    },

    /** Clone-and-go: one task per machine, all created in one transaction. */
    deploy(actor: Actor, input: DeployInput): { deployId: string; tasks: Task[] } {
      const url = checkRepoUrl(input.repo, { allowFile: policy.allowFileRepos });
      const ref = input.ref !== undefined ? checkRef(input.ref) : undefined;
      if (input.targets.length === 0) throw new PiaError('no_machines', 'Name at least one machine to deploy to.');
      const seen = new Set<string>();
      const deployId = newTaskId();
      const created = input.targets.map((target) => {
        const machine = machines.get(target.machine);
        if (seen.has(machine.name)) throw new PiaError('duplicate_machine', `${machine.name} is named twice in this deploy.`);
        seen.add(machine.name);
        const mode = modeOf(machine, input.mode);
        const agent = chooseAgent(machine, input.agent, mode, policy.defaultAgent);
        return {
          ...base(machine, actor, input.origin, input.timeoutS),
          kind: 'deploy' as const,
          prompt: checkPrompt(target.prompt),
          repo: { url, ...(ref ? { ref } : {}) },
          workspace: repoFolderName(url),
          mode,
          deployId,
          ...(input.push ? { push: true } : {}),
          ...(agent ? { agent } : {}),
          ...(input.idempotencyKey ? { requestKey: `${input.idempotencyKey}:${machine.name}` } : {}),
        };
      });
      return { deployId, tasks: submit(actor, 'task.deploy', created) };
    },

    /** A command as an argv array (admin only: the caller checks the role). */
    shell(actor: Actor, input: { machine: string; argv: string[]; timeoutS?: number; origin: Origin } & Keyed): Task {
      const machine = machines.get(input.machine);
      if (input.argv.length === 0 || input.argv[0]!.length === 0) throw new PiaError('argv_empty', 'Give the command to run after --, e.g. sh m2 -- uptime');
      return submit(actor, 'task.shell', [{ ...base(machine, actor, input.origin, input.timeoutS), kind: 'shell', argv: input.argv, ...(input.idempotencyKey ? { requestKey: input.idempotencyKey } : {}) }])[0]!;
    },

    /** Cancels a task: at once when queued; through its worker (SIGINT, SIGTERM, SIGKILL) when it runs. */
    cancel(actor: Actor, id: string): Task {
      const task = service.get(id);
      if (finalStates.has(task.state)) throw new PiaError('task_finished', `Task ${task.id} already ${task.state.replace('_', ' ')}.`);
      audit.record({ actor: actor.id, origin: actor.origin, action: 'task.cancel', target: `${task.machine}/${task.id}`, outcome: 'ok' });
      if (task.state === 'queued' && tasks.finish(task.id, { state: 'cancelled', exitCode: null, cancelledBy: actor.id })) {
        const done = tasks.get(task.id)!;
        bus.emit('task.finished', { task: done });
        return done;
      }
      tasks.requestCancel(task.id, actor.id);
      const machine = machines.find(task.machine);
      const link = machine ? deps.links.get(machine.id) : undefined;
      link?.send({ type: 'task.cancel', taskId: task.id, by: actor.id });
      bus.emit('task.cancel_requested', { taskId: task.id, machine: task.machine, by: actor.id });
      return tasks.get(task.id)!;
    },

    /** A task by id; `task_unknown` otherwise. */
    keyed: (key) => tasks.byKeyFamily(key),

    get(id: string): Task {
      const task = tasks.get(id.trim().toLowerCase());
      if (!task) throw new PiaError('task_unknown', `No task "${id.slice(0, 40)}". List recent ones with: pia tasks`);
      return task;
    },

    list(q: { machine?: string; state?: TaskState; deployId?: string; limit?: number }): Task[] {
      const machine = q.machine ? machines.get(q.machine).name : undefined;
      return tasks.list({ ...q, machine });
    },

    /** Stored output from `fromSeq` on. */
    output(id: string, fromSeq = 1, limit = 1000): { chunks: StoredChunk[]; nextSeq: number; done: boolean } {
      const task = service.get(id);
      const chunks = readOutput(deps.db, task.id, Math.max(1, fromSeq), Math.min(Math.max(limit, 1), 10_000));
      const nextSeq = chunks.length ? chunks[chunks.length - 1]!.seq + 1 : Math.max(1, fromSeq);
      // Output removed by retention never comes: a reader following it stops.
      return { chunks, nextSeq, done: finalStates.has(task.state) && (nextSeq > task.outputSeq || task.outputPrunedAt !== null) };
    },

    logText(id: string, maxBytes = 10_000_000): string {
      let text = '';
      for (let from = 1; text.length < maxBytes; ) {
        const chunks = readOutput(deps.db, id, from, 1000);
        if (chunks.length === 0) break;
        for (const c of chunks) if (c.stream !== 'event') text += c.data;
        from = chunks[chunks.length - 1]!.seq + 1;
      }
      return text.length > maxBytes ? text.slice(0, maxBytes) : text;
    },
  };
  return service;
}
