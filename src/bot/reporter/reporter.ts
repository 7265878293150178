import type { Logger } from '../../common/logger.js';
import type { EventBus } from '../../hub/events.js';
import type { PowerProgress } from '../../power/progress.js';
import type { Task } from '../../hub/tasks/task.js';
import type { PowerOperation } from '../../power/operations.js';
import type { ChatPort, PostedMessage, ThreadRef } from '../port.js';
import { Outbox } from './paced-outbox.js';
import { powerStatus, taskResult, taskStatus } from '../../present/views.js';
import { createApprovalThreads } from './approval-threads.js';
import type { Approval } from '../../hub/approvals/approval-store.js';

/** Reporter settings. */
export interface ReporterOptions {
  /** Longest a change waits before the status message is edited (edits are also paced by the outbox). */
  updateEveryMs?: number;
  /** Lines of live output shown in a status message. */
  tailLines?: number;
}

type Sender = { post: Outbox['post']; update: Outbox['update']; attach: Outbox['attach'] };

interface TaskWatch {
  outbox: Sender;
  thread: ThreadRef;
  status: Promise<PostedMessage | undefined>;
  task: Task;
  tail: string;
  step?: string;
  timer?: NodeJS.Timeout;
  bytes: number;
  /** The platform kept the streamed output (a terminal): the final message need not repeat it. */
  tailShown: boolean;
  /** Approvals of this task still waiting, by code. */
  waiting: Set<string>;
  platform: string;
}



interface OpWatch {
  outbox: Sender;
  thread: ThreadRef;
  status: Promise<PostedMessage | undefined>;
  steps: PowerProgress[];
  timer?: NodeJS.Timeout;
}

/** Turns task and power events into thread messages on any chat platform. */
export interface Reporter {
  /** Sends messages for a port, paced with everything else on its platform. */
  outbox: (port: ChatPort) => { post: (thread: ThreadRef, m: Parameters<Outbox["post"]>[1]) => Promise<PostedMessage>; update: (target: PostedMessage, m: Parameters<Outbox["update"]>[1]) => Promise<void>; attach: (thread: ThreadRef, f: Parameters<Outbox["attach"]>[1]) => Promise<void> };
  /** Follows tasks in a thread (which must exist: `thread.thread` set). */
  watchTasks(port: ChatPort, thread: ThreadRef, list: Task[]): void;
  /** Follows wakes and bootstraps in a thread. */
  watchOperations(port: ChatPort, thread: ThreadRef, list: PowerOperation[]): void;
  /** Tasks and operations being followed (for tests). */
  watching(): number;
  close(): void;
}

/**
 * Creates the reporter. Each watched task gets a status message in its thread, edited in place with its state, the
 * last step and a live tail of its output (at most every `updateEveryMs`, and within the platform's rates through
 * the outbox), then a final message with the result; the full log is attached as a file when it does not fit. A
 * wake or bootstrap gets one message that grows with each step. The bus is subscribed once, here, not per watch.
 */
export function createReporter(deps: {
  bus: Pick<EventBus, 'on'>;
  log: Logger;
  getTask: (id: string) => Task | undefined;
  fullLog: (id: string) => string;
  /** What a task's agent waits for now: shown in a thread that starts watching it after it asked. */
  pendingApprovals?: (taskId: string) => Approval[];
  options?: ReporterOptions;
}): Reporter {
  const updateEveryMs = deps.options?.updateEveryMs ?? 1500;
  const tailLines = deps.options?.tailLines ?? 30;
  // One outbox per platform (its rates are per channel); adapters may hand out a port per conversation.
  const outboxes = new Map<string, Outbox>();
  const tasks = new Map<string, TaskWatch[]>();
  const ops = new Map<string, OpWatch[]>();


  function outboxOf(port: ChatPort): Outbox {
    let o = outboxes.get(port.platform);
    if (!o) outboxes.set(port.platform, (o = new Outbox(port, deps.log)));
    return o;
  }

  /** Sends through a port's platform outbox, via that very port. */
  function via(port: ChatPort) {
    const o = outboxOf(port);
    return {
      post: (thread: ThreadRef, m: Parameters<Outbox['post']>[1]) => o.post(thread, m, port),
      update: (target: PostedMessage, m: Parameters<Outbox['update']>[1]) => o.update(target, m, port),
      attach: (thread: ThreadRef, f: Parameters<Outbox['attach']>[1]) => o.attach(thread, f, port),
    };
  }

  const settle = <T>(p: Promise<T>) => p.catch((err: unknown) => (deps.log.warn({ err: (err as Error).message }, 'chat post failed'), undefined));
  const approvalThreads = createApprovalThreads(settle);

  function schedule(w: TaskWatch): void {
    w.timer ??= setTimeout(() => {
      w.timer = undefined;
      void w.status.then((msg) => msg && settle(w.outbox.update(msg, statusOf(w))));
    }, updateEveryMs);
  }

  function statusOf(w: TaskWatch, task: Task = w.task): ReturnType<typeof taskStatus> {
    return taskStatus(task, { tail: w.tail, ...(w.step ? { step: w.step } : {}), waiting: w.waiting.size });
  }

  function keepTail(w: TaskWatch, data: string): void {
    w.bytes += data.length;
    const text = (w.tail + data).slice(-8000);
    const lines = text.split('\n');
    w.tail = lines.slice(-tailLines - 1).join('\n');
  }

  deps.bus.on('task.started', (e) => {
    for (const w of tasks.get(e.taskId) ?? []) {
      w.task = deps.getTask(e.taskId) ?? w.task;
      schedule(w);
    }
  });
  deps.bus.on('task.output', (e) => {
    if (e.stream === 'event') return;
    for (const w of tasks.get(e.taskId) ?? []) {
      keepTail(w, e.data);
      schedule(w);
    }
  });
  deps.bus.on('task.progress', (e) => {
    const step = e.event.kind === 'step' ? e.event.message : e.event.kind === 'tool' ? `${e.event.tool} ${e.event.detail}` : undefined;
    if (!step) return;
    for (const w of tasks.get(e.taskId) ?? []) {
      w.step = step;
      schedule(w);
    }
  });
  deps.bus.on('task.finished', ({ task }) => {
    const watches = tasks.get(task.id);
    if (!watches) return;
    tasks.delete(task.id);
    for (const w of watches) void finishTask(w, task);
  });

  // An agent waits for a person: the question goes to every thread that watches its task, with its buttons.
  deps.bus.on('approval.requested', ({ approval }) => {
    for (const w of tasks.get(approval.taskId) ?? []) showApproval(w, approval);
  });
  // Settled (first answer, time-out, withdrawn): every copy is edited to say how, by whom and when; buttons go.
  deps.bus.on('approval.settled', ({ approval }) => {
    approvalThreads.settled(approval);
    for (const w of tasks.get(approval.taskId) ?? []) {
      if (w.waiting.delete(approval.id)) schedule(w);
    }
  });

  function showApproval(w: TaskWatch, approval: Approval): void {
    approvalThreads.show({ outbox: w.outbox, thread: w.thread, platform: w.platform, requester: w.task.requester }, approval);
    w.waiting.add(approval.id);
    schedule(w);
  }

  async function finishTask(w: TaskWatch, task: Task): Promise<void> {
    if (w.timer) clearTimeout(w.timer);
    w.waiting.clear();
    const msg = await w.status;
    if (msg) void settle(w.outbox.update(msg, statusOf(w, task)));
    await settle(w.outbox.post(w.thread, taskResult(task, w.tail, { tailShown: w.tailShown })));
    if (w.bytes > w.tail.length) {
      await settle(w.outbox.attach(w.thread, { filename: `pia-${task.machine}-${task.id}.log`, title: `Full log of ${task.id} on ${task.machine}`, content: deps.fullLog(task.id) }));
    }
  }

  deps.bus.on('power.progress', (p) => {
    const watches = ops.get(p.operation);
    if (!watches) return;
    for (const w of watches) {
      if (w.steps.some((s) => s.index === p.index)) continue;
      w.steps.push(p);
      w.steps.sort((a, b) => a.index - b.index);
      if (p.step === 'done') {
        if (w.timer) clearTimeout(w.timer);
        void w.status.then((msg) => msg && settle(w.outbox.update(msg, powerStatus(w.steps))));
      } else {
        w.timer ??= setTimeout(() => {
          w.timer = undefined;
          void w.status.then((msg) => msg && settle(w.outbox.update(msg, powerStatus(w.steps))));
        }, updateEveryMs);
      }
    }
    if (p.step === 'done') ops.delete(p.operation);
  });

  return {
    /** Sends messages for a port, paced with everything else on its platform. */
    outbox: via,

    /** Follows tasks in a thread (which must exist: `thread.thread` set). */
    watchTasks(port: ChatPort, thread: ThreadRef, list: Task[]): void {
      const outbox = via(port);
      for (const task of list) {
        const w: TaskWatch = {
          outbox,
          thread,
          task,
          tail: '',
          bytes: 0,
          tailShown: port.keepsHistory === true,
          waiting: new Set(),
          platform: port.platform,
          status: settle(outbox.post(thread, taskStatus(task, { tail: '' }))),
        };
        const current = deps.getTask(task.id);
        if (current && ['succeeded', 'failed', 'cancelled', 'timed_out', 'lost'].includes(current.state)) {
          void finishTask(w, current);
          continue;
        }
        const list2 = tasks.get(task.id) ?? [];
        list2.push(w);
        tasks.set(task.id, list2);
        // Its agent may have asked already, before this thread existed (the answer to the command is sent first).
        for (const a of deps.pendingApprovals?.(task.id) ?? []) showApproval(w, a);
      }
    },

    /** Follows wakes and bootstraps in a thread. */
    watchOperations(port: ChatPort, thread: ThreadRef, list: PowerOperation[]): void {
      const outbox = via(port);
      for (const op of list) {
        const steps = [...(op.steps as PowerProgress[])];
        const w: OpWatch = { outbox, thread, steps, status: settle(outbox.post(thread, powerStatus(steps))) };
        if (op.state !== 'running') continue;
        const l = ops.get(op.id) ?? [];
        l.push(w);
        ops.set(op.id, l);
      }
    },

    /** Tasks and operations being followed (for tests). */
    watching(): number {
      return tasks.size + ops.size;
    },

    close(): void {
      for (const ws of tasks.values()) for (const w of ws) if (w.timer) clearTimeout(w.timer);
      for (const ws of ops.values()) for (const w of ws) if (w.timer) clearTimeout(w.timer);
      for (const o of outboxes.values()) o.close();
    },
  };
}
