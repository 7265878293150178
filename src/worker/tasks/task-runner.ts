import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { errorMessage, PiaError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { agentEventText, type AgentEvent } from '../../protocol/agent-events.js';
import type { FinalState, TaskOutcome } from '../../protocol/tasks.js';
import type { AgentParser } from '../agents/adapter.js';
import { adapterOf } from '../agents/registry.js';
import type { ActiveTask } from './active-task.js';
import { resolveFirst, type AgentDefinition } from './agent-templates.js';
import { createClaudeSession } from './claude-session.js';
import { createLineSplitter, describeTool, newRefusals, type Refusals } from './claude-stream.js';
import type { GitOptions } from './git-command.js';
import { resolveStart, syncRepository } from './git-workspace.js';
import { writeIdentity } from './identity.js';
import { commandFor, taskEnv, workspaceOf } from './launch.js';
import type { TaskLedger } from './ledger.js';
import type { HubPort, OutputPump } from './output-pump.js';
import { startProcess } from './process-runner.js';
import type { WorkerApprovals } from './task-approvals.js';
import { createWorktrees, type HeldWorktree } from './worktrees.js';
import type { WorktreeResult } from '../../protocol/worktree.js';

/** What running a task needs to know of the worker. */
export interface RunnerConfig {
  workspaceRoot: string;
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
  /** How long the worktree of a finished task is kept (see PIA_WORKTREE_KEEP_H). */
  worktreeKeepMs?: number;
}

/** How a task ended: its state, the last step's words, and what goes into its outcome. */
interface End {
  state: FinalState;
  step: string;
  outcome: Pick<TaskOutcome, 'state' | 'exitCode'> & Partial<Pick<TaskOutcome, 'error' | 'cancelledBy'>>;
}

/** Runs one task from start to outcome: workspace, agent or command, output, and the outcome in the ledger. */
export interface TaskRunner {
  run(t: ActiveTask): Promise<void>;
  /** Stops a running task (cancel or time-out): SIGINT, SIGTERM, SIGKILL on its process group. */
  stop(t: ActiveTask, reason: 'cancelled' | 'timed_out', by?: string): void;
  /** Removes the worktrees of tasks that ended long enough ago (PIA_WORKTREE_KEEP_H); dirty ones are kept. */
  pruneWorktrees(): Promise<unknown>;
  /** Records an outcome (also for tasks that never ran: lost after a worker restart). */
  finish(t: ActiveTask, end: Pick<TaskOutcome, 'state' | 'exitCode'> & Partial<Pick<TaskOutcome, 'error' | 'cancelledBy'>>): void;
}

/** "✋ The agent was refused 2 tool uses: Bash: touch a; Edit x.ts", or nothing. */
function refusalNote(refused: string[]): string {
  if (refused.length === 0) return '';
  const shown = refused.slice(0, 5).join('; ') + (refused.length > 5 ? `; and ${refused.length - 5} more` : '');
  return `✋ The agent was refused ${refused.length} tool use${refused.length === 1 ? '' : 's'}: ${shown}`;
}

/** The parser of an agent's output into events; none for plain text (passed through as it is). */
function parserFor(agent: AgentDefinition, taskId: string, resumeSession: string | undefined, refusals: Refusals): AgentParser | undefined {
  if (agent.format === 'text') return undefined;
  const adapter = adapterOf(agent.format === 'claude-control' || agent.format === 'claude-stream-json' ? 'claude' : agent.format);
  return adapter?.parser({ agent: agent.name, taskId, refusals, ...(resumeSession ? { resumeSession } : {}) });
}

/** Creates the runner. */
export function createTaskRunner(deps: { config: RunnerConfig; hub: HubPort; output: OutputPump; ledger: TaskLedger; approvals: WorkerApprovals; log: Logger }): TaskRunner {
  const { config, hub, output, ledger, log } = deps;
  const worktrees = createWorktrees({
    root: config.workspaceRoot,
    keepMs: config.worktreeKeepMs ?? 72 * 3_600_000,
    env: config.env,
    allowFile: config.allowFileRepos,
    log,
    hostname: config.hostname,
  });

  async function run(t: ActiveTask): Promise<void> {
    const { spec } = t;
    t.deadline = setTimeout(() => stop(t, 'timed_out'), spec.timeoutS * 1000);
    let worktree: HeldWorktree | undefined;
    let end: End;
    try {
      end = await execute(t, (wt) => (worktree = wt));
    } catch (err) {
      end = t.stopReason ? stopped(t) : failedWith(t, errorMessage(err));
    }
    if (worktree) {
      try {
        t.worktree = await worktrees.conclude(worktree, spec, end.state, t.result?.text, gitOptions(t, false));
        announce(t, t.worktree);
      } catch (err) {
        // The work is in the worktree whatever happened here; the task's own end stands.
        output.emit(t, 'stderr', `pia: the branch ${worktree.branch} could not be summed up: ${errorMessage(err)}\n`);
      } finally {
        worktree.release();
      }
    }
    output.emitEvent(t, { kind: 'step', step: 'finished', message: end.step });
    finish(t, end.outcome);
  }

  /** The task's folder, its worktree when it has one, and its process until it ends: how it ended. */
  async function execute(t: ActiveTask, opened: (wt: HeldWorktree) => void): Promise<End> {
    const { spec } = t;
    const base = workspaceOf(config.workspaceRoot, spec);
    const planned = worktrees.plannedPath(spec, base);
    const workspace = planned ?? base;
    t.record.workspace = workspace;
    hub.send({ type: 'task.started', taskId: spec.id, workspace, at: Date.now() });
    mkdirSync(config.workspaceRoot, { recursive: true });
    const opts = gitOptions(t, true);
    if (spec.kind === 'deploy' && spec.repo && !spec.worktreeOf) {
      await syncRepository(base, spec.repo.url, opts, (s) => output.emitEvent(t, { kind: 'step', step: s.step, message: s.message }));
    } else if (!planned) {
      mkdirSync(workspace, { recursive: true });
    }
    if (t.stopReason) return stopped(t);
    if (planned) {
      const repo = spec.repo;
      const startedAt = Date.now();
      const wt = await worktrees.open(spec, base, repo ? () => resolveStart(base, repo.url, repo.ref, opts) : undefined, opts);
      opened(wt);
      const from = `${wt.base.slice(0, 12)}${wt.baseRef ? ` (${wt.baseRef})` : ''}`;
      output.emitEvent(t, { kind: 'step', step: 'worktree', message: `${spec.worktreeOf ? 'back in' : 'worktree'} ${wt.path} on ${wt.branch} from ${from}, ready in ${Date.now() - startedAt} ms` });
    }
    if (t.stopReason) return stopped(t);
    const { argv, programs, agent, env, hint } = commandFor(spec, workspace, config.agents, config.defaultAgent);
    argv[0] = await resolveFirst(programs, config.env.PATH ?? '', hint);
    t.agentName = agent?.name;
    if (agent) writeIdentity(workspace, spec, config.hostname, (text) => output.emit(t, 'stderr', `pia: ${text}\n`));
    if (t.stopReason) return stopped(t);
    output.emitEvent(t, { kind: 'step', step: 'agent_started', message: agent ? `${agent.name} started` : `${path.basename(argv[0]!)} started` });

    const controlled = agent?.format === 'claude-control';
    t.refusals = newRefusals();
    t.parser = agent ? parserFor(agent, spec.id, spec.resumeSession, t.refusals) : undefined;
    const splitter = t.parser ? createLineSplitter((line) => (t.session ? t.session.line(line) : onAgentLine(t, line))) : undefined;
    t.process = startProcess({
      argv,
      cwd: workspace,
      env: { ...taskEnv(config.env, spec, t.token, config.agentSocket, config.agentBinDir), ...env },
      timeoutMs: 2 ** 31 - 1, // the task's own deadline governs
      ...(config.nice ? { nice: config.nice } : {}),
      graceMs: config.graceMs,
      stdin: controlled,
      onStdout: (data) => (splitter ? splitter.push(data) : output.emit(t, 'stdout', data)),
      onStderr: (data) => output.emit(t, 'stderr', data),
    });
    if (controlled && t.process.stdin) {
      const refusals = t.refusals;
      t.session = createClaudeSession({
        taskId: spec.id,
        input: t.process.stdin,
        approvals: deps.approvals,
        onEvent: (line) => onAgentLine(t, line),
        asked: (id) => refusals.asked.add(id),
        onAsk: (tool, input) => emitEvents(t, [{ kind: 'approval', tool: tool.slice(0, 256), detail: `${tool} ${describeTool(tool, input)}`.trim().slice(0, 1000) }]),
      });
      t.session.start(spec.prompt ?? '');
    }
    const end = await t.process.done;
    splitter?.end();
    if (t.parser) emitEvents(t, t.parser.end());
    t.session?.ended();
    t.session = undefined;
    if (end.reason === 'spawn_failed') throw new PiaError('spawn_failed', `could not start ${argv[0]}: ${end.error}`);
    // Stopped through the protocol, the agent ends by itself (exit 0): it was still cancelled or timed out.
    if (end.reason === 'cancelled' || end.reason === 'timed_out' || t.stopReason) return stopped(t);
    const failedByAgent = t.result?.isError === true;
    const ok = end.exitCode === 0 && !failedByAgent;
    const error = ok ? undefined : end.exitCode !== null ? `exited with code ${end.exitCode}${failedByAgent ? ' (the agent reported an error)' : ''}` : `killed by ${end.signal}`;
    return { state: ok ? 'succeeded' : 'failed', step: ok ? 'finished' : `finished: ${error}`, outcome: { state: ok ? 'succeeded' : 'failed', exitCode: end.exitCode, ...(error ? { error } : {}) } };
  }

  function failedWith(t: ActiveTask, message: string): End {
    output.emit(t, 'stderr', `pia: ${message}\n`);
    // The reason is the output line just above; the step only marks the end.
    return { state: 'failed', step: 'failed', outcome: { state: 'failed', exitCode: null, error: message } };
  }

  /** Git for this task: its output into the task's, local repositories as the worker allows; cancellable while it prepares. */
  function gitOptions(t: ActiveTask, cancellable: boolean): GitOptions {
    return { allowFile: config.allowFileRepos, onOutput: (text) => output.emit(t, 'stderr', text), ...(cancellable ? { signal: t.abort.signal } : {}) };
  }

  /** Steps for what PIA did with the branch at the end: its own commit, the push. */
  function announce(t: ActiveTask, w: WorktreeResult): void {
    if (w.committedForAgent) output.emitEvent(t, { kind: 'step', step: 'committed', message: `committed the uncommitted changes on ${w.branch}` });
    if (w.push?.ok) output.emitEvent(t, { kind: 'step', step: 'pushed', message: `pushed ${w.branch} to ${w.push.remote ?? 'origin'}${w.push.pullRequest ? `; pull request ${w.push.pullRequest}` : ''}` });
    else if (w.push?.error) output.emit(t, 'stderr', `pia: push: ${w.push.error}\n`);
  }

  function onAgentLine(t: ActiveTask, line: string): void {
    if (t.parser) emitEvents(t, t.parser.line(line));
  }

  /** The log is rendered from the events (never the agent's raw format), then the events follow it. */
  function emitEvents(t: ActiveTask, events: AgentEvent[]): void {
    if (events.length === 0) return;
    let text = '';
    for (const e of events) {
      text += agentEventText(e);
      if (e.kind === 'session') t.sessionId = e.sessionId;
      if (e.kind === 'result') {
        t.result = e;
        if (e.sessionId) t.sessionId = e.sessionId;
      }
      if (e.kind === 'usage' && e.costUsd !== undefined) t.costUsd = e.costUsd;
    }
    if (text) output.emit(t, 'stdout', text);
    for (const e of events) output.emitEvent(t, e);
  }

  function stopped(t: ActiveTask): End {
    const state: FinalState = t.stopReason === 'timed_out' ? 'timed_out' : 'cancelled';
    const message = state === 'timed_out' ? `timed out after ${t.spec.timeoutS} s` : `cancelled by ${t.cancelledBy ?? 'the hub'}`;
    return { state, step: message, outcome: { state, exitCode: null, error: message, ...(state === 'cancelled' && t.cancelledBy ? { cancelledBy: t.cancelledBy } : {}) } };
  }

  function finish(t: ActiveTask, end: Pick<TaskOutcome, 'state' | 'exitCode'> & Partial<Pick<TaskOutcome, 'error' | 'cancelledBy'>>): void {
    if (t.deadline) clearTimeout(t.deadline);
    if (t.stopFallback) clearTimeout(t.stopFallback);
    output.flushChunk(t);
    // What the agent said it did, when it says so; the output's last lines are the hub's to show. A task whose agent
    // was refused tools says so: "succeeded" alone would hide that it could not do what it was asked.
    const summary = [t.result?.text, refusalNote(t.refusals?.refused ?? [])].filter(Boolean).join('\n');
    const outcome: TaskOutcome = {
      taskId: t.spec.id,
      ...end,
      ...(t.sessionId ? { sessionId: t.sessionId } : {}),
      ...(t.agentName ? { agent: t.agentName } : {}),
      ...(summary ? { summary: summary.slice(0, 100_000) } : {}),
      ...((t.result?.costUsd ?? t.costUsd) !== undefined ? { costUsd: t.result?.costUsd ?? t.costUsd } : {}),
      ...(t.worktree ? { worktree: t.worktree } : {}),
      lastSeq: t.spool.lastSeq,
      finishedAt: Date.now(),
    };
    t.record = { ...t.record, state: 'finished', outcome, ackedSeq: t.spool.ackedSeq };
    ledger.put(t.record);
    t.process = undefined;
    log.info({ taskId: t.spec.id, state: end.state }, 'task finished');
    output.pump(t);
  }

  function stop(t: ActiveTask, reason: 'cancelled' | 'timed_out', by?: string): void {
    if (t.record.state === 'finished' || t.stopReason) return;
    t.stopReason = reason;
    if (by) t.cancelledBy = by;
    t.abort.abort();
    if (t.session) {
      // The protocol's way first: the agent stops its turn, withdraws what it waits on, and exits. Signals if it does not.
      t.session.interrupt();
      t.stopFallback = setTimeout(() => t.process?.stop(reason), config.graceMs);
    } else {
      t.process?.stop(reason);
    }
  }

  return { run, stop, finish, pruneWorktrees: () => worktrees.prune() };
}
