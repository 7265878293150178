import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { Logger } from '../../common/logger.js';
import type { ApprovalAnswer } from '../../protocol/approvals.js';
import type { LedgerEntry, TaskSpec } from '../../protocol/tasks.js';
import type { ActiveTask } from './active-task.js';
import { TaskLedger, type LedgerRecord } from './ledger.js';
import { setAsideTasks } from './set-aside.js';
import { createOutputPump, type HubPort } from './output-pump.js';
import { TaskSpool } from './spool.js';
import { createWorkerApprovals } from './task-approvals.js';
import { createTaskRunner, type RunnerConfig } from './task-runner.js';

export type { HubPort } from './output-pump.js';

/** The task side of a worker's configuration. */
export interface TaskManagerConfig extends RunnerConfig {
  /** Holds the ledger and the output spools. */
  spoolDir: string;
  maxTasks: number;
  /** Output is gathered this long (or up to `chunkBytes`) into one chunk. */
  chunkMs?: number;
  chunkBytes?: number;
}

/** Runs the tasks the hub assigns, with lossless output and a ledger that survives restarts. */
export interface TaskManager {
  ledger(): LedgerEntry[];
  /** A task from the hub (`task.assign`); a task already accepted is never run twice. */
  accept(spec: TaskSpec): void;
  /** `task.cancel`: stops a task's process (SIGINT, SIGTERM, SIGKILL). */
  cancel(taskId: string, by: string): void;
  /** `output.ack`: the hub stored every chunk of a task up to `seq`. */
  acked(taskId: string, seq: number): void;
  /** `task.recorded`: the hub has the outcome; the task's spool and ledger entry go. */
  recorded(taskId: string): void;
  /** `approval.answer`: a person's decision for an agent that waits (applied once, then acknowledged). */
  approvalAnswered(answer: ApprovalAnswer): void;
  onLinkUp(): void;
  onLinkDown(): void;
  running(): number;
  /** The running task whose agent holds this token (see PIA_TASK_TOKEN), if any. */
  taskOfToken(token: string): string | undefined;
  stop(): Promise<void>;
}

/** Creates the task manager; tasks left running by a previous worker process are reported as lost. */
export function createTaskManager(deps: { config: TaskManagerConfig; hub: HubPort; log: Logger }): TaskManager {
  const { config, hub, log } = deps;
  mkdirSync(config.spoolDir, { recursive: true, mode: 0o700 });
  const ledger = new TaskLedger(config.spoolDir, log);
  const setAside = setAsideTasks(ledger.rejected);
  const tasks = new Map<string, ActiveTask>();
  const output = createOutputPump({ hub, tasks: () => tasks.values(), chunkMs: config.chunkMs ?? 15, chunkBytes: config.chunkBytes ?? 64 * 1024 });
  const approvals = createWorkerApprovals({ link: hub, log });
  const runner = createTaskRunner({ config, hub, output, ledger, approvals, log });
  let ackDirty = false;

  for (const record of ledger.all()) {
    const t = activate(record.spec, record);
    if (record.state === 'running') {
      // Its process died with the previous worker: it cannot be resumed, and must not run twice.
      runner.finish(t, { state: 'lost', exitCode: null, error: 'the worker restarted while this task ran' });
    }
  }

  // Acknowledgements are saved lazily: a stale one in the ledger only means a replay the hub de-duplicates.
  const ackSaver = setInterval(() => {
    if (ackDirty) {
      ackDirty = false;
      ledger.save();
    }
  }, 2000);
  ackSaver.unref();

  // Worktrees of finished tasks go after PIA_WORKTREE_KEEP_H: looked at soon after the start, then every hour.
  const prune = () => void runner.pruneWorktrees().catch((err: unknown) => log.warn({ err }, 'worktree pruning failed'));
  const firstPrune = setTimeout(prune, 30_000);
  const pruner = setInterval(prune, 3_600_000);
  firstPrune.unref();
  pruner.unref();

  function activate(spec: TaskSpec, record: LedgerRecord): ActiveTask {
    const spool = TaskSpool.open(config.spoolDir, spec.id, record.ackedSeq);
    const t: ActiveTask = {
      spec,
      record,
      spool,
      sentSeq: record.ackedSeq,
      outcomeSent: false,
      offset: 0,
      pendingStream: undefined,
      pendingData: '',
      flushTimer: undefined,
      abort: new AbortController(),
      token: randomBytes(24).toString('base64url'),
      flow: {
        running: () => t.process !== undefined,
        pause: () => t.process?.pause(),
        resume: () => t.process?.resume(),
      },
    };
    tasks.set(spec.id, t);
    return t;
  }

  return {
    ledger: () => [...ledger.entries(), ...setAside.entries()],
    accept(spec) {
      const aside = setAside.outcome(spec.id);
      if (aside) {
        // Its ledger entry could not be read, so whether it ran is unknown: never run it, say it is lost.
        hub.send({ type: 'task.finished', outcome: aside });
        return;
      }
      const known = tasks.get(spec.id);
      if (known) {
        // Already accepted (a re-sent assign after a reconnect): never run twice; repeat the outcome if there is one.
        output.pump(known);
        return;
      }
      const record: LedgerRecord = { spec, state: 'running', ackedSeq: 0 };
      ledger.put(record);
      const t = activate(spec, record);
      log.info({ taskId: spec.id, kind: spec.kind }, 'task accepted');
      t.running = runner.run(t);
    },
    cancel(taskId, by) {
      const t = tasks.get(taskId);
      if (t) runner.stop(t, 'cancelled', by);
    },
    acked(taskId, seq) {
      const t = tasks.get(taskId);
      if (!t) return;
      t.spool.ack(seq);
      t.record.ackedSeq = t.spool.ackedSeq;
      ackDirty = true;
      output.acked(t, seq);
    },
    recorded(taskId) {
      setAside.forget(taskId);
      const t = tasks.get(taskId);
      if (t && t.record.state !== 'finished') return; // still running: keep it
      tasks.delete(taskId);
      if (t) output.dropped(t);
      t?.spool.remove();
      ledger.delete(taskId);
    },
    approvalAnswered(answer) {
      approvals.answered(answer);
    },
    onLinkDown() {
      // Nobody to wait for: let every task write on into its spool.
      output.linkChanged();
    },
    onLinkUp() {
      // Everything the hub has not acknowledged is sent again; it drops what it already has.
      for (const outcome of setAside.all()) hub.send({ type: 'task.finished', outcome });
      for (const t of tasks.values()) {
        t.sentSeq = t.spool.ackedSeq;
        t.outcomeSent = false;
        if (t.record.state === 'running' && t.record.workspace) hub.send({ type: 'task.started', taskId: t.spec.id, workspace: t.record.workspace, at: Date.now() });
        output.pump(t);
      }
      // After the tasks' own state: an approval belongs to a task the hub knows is running.
      approvals.onLinkUp();
    },
    running: () => [...tasks.values()].filter((t) => t.record.state === 'running').length,
    taskOfToken(token) {
      for (const t of tasks.values()) if (t.record.state === 'running' && t.token === token) return t.spec.id;
      return undefined;
    },
    async stop() {
      clearInterval(ackSaver);
      clearTimeout(firstPrune);
      clearInterval(pruner);
      output.close();
      const running = [...tasks.values()].filter((t) => t.record.state === 'running');
      for (const t of running) runner.stop(t, 'cancelled', 'worker shutdown');
      await Promise.race([Promise.all(running.map((t) => t.running)), new Promise((r) => setTimeout(r, config.graceMs * 2 + 2500))]);
      for (const t of tasks.values()) output.flushChunk(t);
      ledger.save();
      for (const t of tasks.values()) t.spool.close();
    },
  };
}
