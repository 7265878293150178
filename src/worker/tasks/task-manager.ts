import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { errorMessage, PiaError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { HubMessage, WorkerMessage } from '../../protocol/messages.js';
import type { FinalState, OutputStream, ProgressEvent, TaskOutcome, TaskSpec } from '../../protocol/tasks.js';
import { resolveProgram, type AgentDefinition } from './agents.js';
import { commandFor, taskEnv, workspaceOf } from './launch.js';
import { createLineSplitter, renderClaudeLine } from './claude-stream.js';
import { prepareWorkspace } from './git-workspace.js';
import { writeIdentity } from './identity.js';
import { TaskLedger, type LedgerRecord } from './ledger.js';
import { startProcess, type RunningProcess } from './process-runner.js';
import { createFlowControl, type FlowTask } from './flow-control.js';
import { outputFrame, TaskSpool } from './spool.js';

/** The task side of a worker's configuration. */
export interface TaskManagerConfig {
  workspaceRoot: string;
  /** Holds the ledger and the output spools. */
  spoolDir: string;
  maxTasks: number;
  agents: Map<string, AgentDefinition>;
  defaultAgent: string;
  /** Between SIGINT, SIGTERM and SIGKILL when cancelling. */
  graceMs: number;
  allowFileRepos: boolean;
  hostname: string;
  env: NodeJS.ProcessEnv;
  /** The worker's agent socket (PIA_WORKER_SOCKET for `pia mail`), when it listens. */
  agentSocket?: string;
  /** A folder with a `pia` command, put first on the agents' PATH. */
  agentBinDir?: string;
  /** Niceness of agents and commands (see PIA_AGENT_NICE). */
  nice?: number;
  /** Output is gathered this long (or up to `chunkBytes`) into one chunk. */
  chunkMs?: number;
  chunkBytes?: number;
}

/** How the manager talks to the hub: the worker's link. */
export interface HubPort {
  send(message: WorkerMessage): boolean;
  /** Sends a frame already encoded (see {@link outputFrame}). */
  sendEncoded(frame: string): boolean;
  readonly linked: boolean;
  bufferedAmount(): number;
}

const HIGH_WATER = 4 * 1024 * 1024;
/**
 * Output a task may have in flight (sent or spooled, not yet acknowledged) while the hub is reachable. Past it the
 * task's output is not read until acknowledgements catch up, so a task that writes faster than the hub stores is
 * slowed down rather than building a backlog (which is latency) on the worker's disk. While the hub is unreachable
 * there is no limit: output goes on into the spool and is replayed on reconnect.
 */
const IN_FLIGHT_BYTES = 64 * 1024;
/**
 * The same for all of this worker's tasks together. Every byte in flight is a byte queued in front of the hub, so
 * this bounds the delay between an agent writing and the hub storing it (a fleet of 10 workers keeps about 1.3 MB
 * in flight: 13 ms at 100 MB/s), while a single task can still use the whole link.
 */
const LINK_IN_FLIGHT_BYTES = 128 * 1024;

interface Active {
  spec: TaskSpec;
  record: LedgerRecord;
  spool: TaskSpool;
  sentSeq: number;
  outcomeSent: boolean;
  offset: number;
  pendingStream: OutputStream | undefined;
  pendingData: string;
  flushTimer: NodeJS.Timeout | undefined;
  process?: RunningProcess;
  /** The task as flow control sees it. */
  flow: FlowTask;
  /** The task's whole run, until its outcome is recorded in the ledger. */
  running?: Promise<void>;
  abort: AbortController;
  /** The task's secret for the agent socket (PIA_TASK_TOKEN): proves a request comes from this task's agent. */
  token: string;
  cancelledBy?: string;
  stopReason?: 'cancelled' | 'timed_out';
  deadline?: NodeJS.Timeout;
  tail: string;
  sessionId?: string;
  result?: Extract<ProgressEvent, { kind: 'result' }>;
}

/** Runs the tasks the hub assigns, with lossless output and a ledger that survives restarts. */
export interface TaskManager {
  ledger(): ReturnType<TaskLedger['entries']>;
  handle(message: HubMessage): void;
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
  const chunkMs = config.chunkMs ?? 15;
  const chunkBytes = config.chunkBytes ?? 64 * 1024;
  mkdirSync(config.spoolDir, { recursive: true, mode: 0o700 });
  const ledger = new TaskLedger(config.spoolDir);
  const tasks = new Map<string, Active>();
  const flow = createFlowControl({ taskBytes: IN_FLIGHT_BYTES, linkBytes: LINK_IN_FLIGHT_BYTES, chunkBytes }, () => hub.linked);
  let ackDirty = false;
  let pumpTimer: NodeJS.Timeout | undefined;

  for (const record of ledger.all()) {
    const t = activate(record.spec, record);
    if (record.state === 'running') {
      // Its process died with the previous worker: it cannot be resumed, and must not run twice.
      finishTask(t, { state: 'lost', exitCode: null, error: 'the worker restarted while this task ran' });
    }
  }

  const ackSaver = setInterval(() => {
    if (ackDirty) {
      ackDirty = false;
      ledger.save();
    }
  }, 2000);
  ackSaver.unref();

  function activate(spec: TaskSpec, record: LedgerRecord): Active {
    const spool = TaskSpool.open(config.spoolDir, spec.id, record.ackedSeq);
    const t: Active = {
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
      tail: '',
      flow: {
        running: () => t.process !== undefined,
        pause: () => t.process?.pause(),
        resume: () => t.process?.resume(),
      },
    };
    tasks.set(spec.id, t);
    return t;
  }

  // --- output -----------------------------------------------------------------------------------------------
  function emit(t: Active, stream: OutputStream, data: string): void {
    if (!data) return;
    if (t.pendingStream !== undefined && t.pendingStream !== stream) flushChunk(t);
    t.pendingStream = stream;
    t.pendingData += data;
    if (stream !== 'event') t.tail = (t.tail + data).slice(-4000);
    if (t.pendingData.length >= chunkBytes) flushChunk(t);
    else t.flushTimer ??= setTimeout(() => flushChunk(t), chunkMs);
  }

  function emitEvent(t: Active, event: ProgressEvent): void {
    emit(t, 'event', JSON.stringify(event) + '\n');
  }

  function flushChunk(t: Active): void {
    if (t.flushTimer) clearTimeout(t.flushTimer);
    t.flushTimer = undefined;
    if (!t.pendingStream || !t.pendingData) return;
    const data = t.pendingData;
    const chunk = { taskId: t.spec.id, seq: t.spool.lastSeq + 1, offset: t.offset, stream: t.pendingStream, data, at: Date.now() };
    t.offset += Buffer.byteLength(data);
    t.pendingData = '';
    t.pendingStream = undefined;
    t.spool.append(chunk);
    flow.sent(t.flow, chunk.seq, t.offset - chunk.offset);
    pump(t);
  }

  /** Sends what the hub has not had yet, within the socket's high-water mark; the outcome goes last. */
  function pump(t: Active): void {
    if (!hub.linked) return;
    while (t.sentSeq < t.spool.lastSeq) {
      if (hub.bufferedAmount() > HIGH_WATER) {
        pumpTimer ??= setTimeout(pumpAll, 5);
        return;
      }
      for (const chunk of t.spool.read(t.sentSeq + 1, 256 * 1024)) {
        if (!hub.sendEncoded(outputFrame(chunk))) return;
        t.sentSeq = chunk.seq;
      }
    }
    if (t.record.outcome && !t.outcomeSent && hub.send({ type: 'task.finished', outcome: t.record.outcome })) t.outcomeSent = true;
  }

  function pumpAll(): void {
    pumpTimer = undefined;
    for (const t of tasks.values()) pump(t);
  }

  // --- running ----------------------------------------------------------------------------------------------
  async function runTask(t: Active): Promise<void> {
    const { spec } = t;
    t.deadline = setTimeout(() => stopTask(t, 'timed_out'), spec.timeoutS * 1000);
    try {
      const workspace = workspaceOf(config.workspaceRoot, spec);
      t.record.workspace = workspace;
      hub.send({ type: 'task.started', taskId: spec.id, workspace, at: Date.now() });
      mkdirSync(config.workspaceRoot, { recursive: true });
      if (spec.kind === 'deploy' && spec.repo) {
        await prepareWorkspace(
          workspace,
          spec.repo.url,
          spec.repo.ref,
          { allowFile: config.allowFileRepos, signal: t.abort.signal, onOutput: (text) => emit(t, 'stderr', text) },
          (s) => emitEvent(t, { kind: 'step', step: s.step, message: s.message }),
        );
      } else {
        mkdirSync(workspace, { recursive: true });
      }
      if (t.stopReason) return finishStopped(t);
      const { argv, agent, hint } = commandFor(spec, workspace, config.agents, config.defaultAgent);
      argv[0] = await resolveProgram(argv[0]!, config.env.PATH ?? '', hint);
      if (agent) writeIdentity(workspace, spec, config.hostname);
      if (t.stopReason) return finishStopped(t);
      emitEvent(t, { kind: 'step', step: 'agent_started', message: agent ? `${agent.name} started` : `${path.basename(argv[0]!)} started` });

      const splitter = agent?.format === 'claude-stream-json' ? createLineSplitter((line) => onAgentLine(t, line)) : undefined;
      t.process = startProcess({
        argv,
        cwd: workspace,
        env: taskEnv(config.env, spec, t.token, config.agentSocket, config.agentBinDir),
        timeoutMs: 2 ** 31 - 1, // the task's own deadline governs
        ...(config.nice ? { nice: config.nice } : {}),
        graceMs: config.graceMs,
        onStdout: (data) => (splitter ? splitter.push(data) : emit(t, 'stdout', data)),
        onStderr: (data) => emit(t, 'stderr', data),
      });
      const end = await t.process.done;
      splitter?.end();
      if (end.reason === 'spawn_failed') throw new PiaError('spawn_failed', `could not start ${argv[0]}: ${end.error}`);
      if (end.reason === 'cancelled' || end.reason === 'timed_out') return finishStopped(t);
      const failedByAgent = t.result?.isError === true;
      const ok = end.exitCode === 0 && !failedByAgent;
      const error = ok ? undefined : end.exitCode !== null ? `exited with code ${end.exitCode}${failedByAgent ? ' (the agent reported an error)' : ''}` : `killed by ${end.signal}`;
      emitEvent(t, { kind: 'step', step: 'finished', message: ok ? 'finished' : `finished: ${error}` });
      finishTask(t, { state: ok ? 'succeeded' : 'failed', exitCode: end.exitCode, ...(error ? { error } : {}) });
    } catch (err) {
      if (t.stopReason) return finishStopped(t);
      const message = errorMessage(err);
      emit(t, 'stderr', `pia: ${message}\n`);
      emitEvent(t, { kind: 'step', step: 'finished', message: `failed: ${message}` });
      finishTask(t, { state: 'failed', exitCode: null, error: message });
    }
  }

  function onAgentLine(t: Active, line: string): void {
    const { text, events } = renderClaudeLine(line);
    emit(t, 'stdout', text);
    for (const e of events) {
      if (e.kind === 'session') t.sessionId = e.sessionId;
      if (e.kind === 'result') t.result = e;
      emitEvent(t, e);
    }
  }

  function finishStopped(t: Active): void {
    const state: FinalState = t.stopReason === 'timed_out' ? 'timed_out' : 'cancelled';
    const message = state === 'timed_out' ? `timed out after ${t.spec.timeoutS} s` : `cancelled by ${t.cancelledBy ?? 'the hub'}`;
    emitEvent(t, { kind: 'step', step: 'finished', message });
    finishTask(t, { state, exitCode: null, error: message, ...(state === 'cancelled' && t.cancelledBy ? { cancelledBy: t.cancelledBy } : {}) });
  }

  function finishTask(t: Active, end: Pick<TaskOutcome, 'state' | 'exitCode'> & Partial<Pick<TaskOutcome, 'error' | 'cancelledBy'>>): void {
    if (t.deadline) clearTimeout(t.deadline);
    flushChunk(t);
    const summary = t.result?.text || t.tail.trim().split('\n').slice(-20).join('\n');
    const outcome: TaskOutcome = {
      taskId: t.spec.id,
      ...end,
      ...(t.sessionId ? { sessionId: t.sessionId } : {}),
      ...(summary ? { summary: summary.slice(0, 100_000) } : {}),
      ...(t.result?.costUsd !== undefined ? { costUsd: t.result.costUsd } : {}),
      lastSeq: t.spool.lastSeq,
      finishedAt: Date.now(),
    };
    t.record = { ...t.record, state: 'finished', outcome, ackedSeq: t.spool.ackedSeq };
    ledger.put(t.record);
    t.process = undefined;
    log.info({ taskId: t.spec.id, state: end.state }, 'task finished');
    pump(t);
  }

  function stopTask(t: Active, reason: 'cancelled' | 'timed_out', by?: string): void {
    if (t.record.state === 'finished' || t.stopReason) return;
    t.stopReason = reason;
    if (by) t.cancelledBy = by;
    t.abort.abort();
    t.process?.stop(reason);
  }

  function accept(spec: TaskSpec): void {
    const known = tasks.get(spec.id);
    if (known) {
      // Already accepted (a re-sent assign after a reconnect): never run twice; repeat the outcome if there is one.
      pump(known);
      return;
    }
    const record: LedgerRecord = { spec, state: 'running', ackedSeq: 0 };
    ledger.put(record);
    const t = activate(spec, record);
    log.info({ taskId: spec.id, kind: spec.kind }, 'task accepted');
    t.running = runTask(t);
  }

  function forget(taskId: string): void {
    const t = tasks.get(taskId);
    if (t && t.record.state !== 'finished') return; // still running: keep it
    tasks.delete(taskId);
    if (t) flow.dropped(t.flow);
    t?.spool.remove();
    ledger.delete(taskId);
  }

  return {
    ledger: () => ledger.entries(),
    handle(msg) {
      switch (msg.type) {
        case 'task.assign':
          return accept(msg.task);
        case 'task.cancel': {
          const t = tasks.get(msg.taskId);
          if (t) stopTask(t, 'cancelled', msg.by);
          return;
        }
        case 'output.ack': {
          const t = tasks.get(msg.taskId);
          if (!t) return;
          t.spool.ack(msg.seq);
          t.record.ackedSeq = t.spool.ackedSeq;
          ackDirty = true;
          flow.acked(t.flow, msg.seq);
          return;
        }
        case 'task.recorded':
          return forget(msg.taskId);
        case 'welcome':
        case 'power.wol':
        case 'power.command':
        case 'mail.sent':
        case 'mail.answer':
          return; // not task messages
      }
    },
    onLinkDown() {
      // Nobody to wait for: let every task write on into its spool.
      flow.linkChanged();
    },
    onLinkUp() {
      // Everything the hub has not acknowledged is sent again; it drops what it already has.
      for (const t of tasks.values()) {
        t.sentSeq = t.spool.ackedSeq;
        t.outcomeSent = false;
        if (t.record.state === 'running' && t.record.workspace) hub.send({ type: 'task.started', taskId: t.spec.id, workspace: t.record.workspace, at: Date.now() });
        pump(t);
      }
    },
    running: () => [...tasks.values()].filter((t) => t.record.state === 'running').length,
    taskOfToken(token) {
      for (const t of tasks.values()) if (t.record.state === 'running' && t.token === token) return t.spec.id;
      return undefined;
    },
    async stop() {
      clearInterval(ackSaver);
      if (pumpTimer) clearTimeout(pumpTimer);
      const running = [...tasks.values()].filter((t) => t.record.state === 'running');
      for (const t of running) stopTask(t, 'cancelled', 'worker shutdown');
      await Promise.race([Promise.all(running.map((t) => t.running)), new Promise((r) => setTimeout(r, config.graceMs * 2 + 2500))]);
      for (const t of tasks.values()) flushChunk(t);
      ledger.save();
      for (const t of tasks.values()) t.spool.close();
    },
  };
}
