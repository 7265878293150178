import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../../src/common/version.js';
import { killQuietly, type Cleanup } from '../fleet/cleanup.js';
import type { HubApi } from './hub-api.js';
import { countLogLines } from './log-counter.js';
import { killTree } from './proc.js';

/** The compiled flood agent the workers run (an absolute path: agents run in their workspace). */
export const floodAgentPath = fileURLToPath(new URL('./flood-agent.js', import.meta.url));

/** Real worker processes (`node bin/pia.js worker`), each enrolled with its own join token. */
export interface WorkerProcs {
  names: string[];
  pids(): number[];
  /** Their warning and error log lines, by message. */
  logCounts: Map<string, number>;
  /** SIGTERM (a worker's own clean stop), then SIGKILL of each worker and its agents after `graceMs`. */
  stop(graceMs: number): Promise<void>;
}

/** The agent a worker runs: a name and its argv (`{prompt}` is replaced by the task's prompt). */
export interface StandInAgent {
  name: string;
  command: string[];
}

const floodAgent: StandInAgent = { name: 'flood', command: [process.execPath, floodAgentPath, '{prompt}'] };

/** A worker's environment: ours without any PIA_* variable, plus its own settings. */
function workerEnv(dir: string, maxTasks: number, agent: StandInAgent, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PIA_')) env[k] = v;
  return {
    ...env,
    PIA_MAX_TASKS: String(maxTasks),
    PIA_WORKSPACE: path.join(dir, 'work'),
    PIA_REPO_ROOTS: dir,
    PIA_AGENT: agent.name,
    PIA_AGENTS: JSON.stringify({ [agent.name]: { command: agent.command, format: 'text' } }),
    PIA_LOG_LEVEL: 'warn',
    ...extra,
  };
}

/**
 * Registers machines `s1`..`sN` through the API, starts one worker process for each with its join token, and
 * waits until the hub lists all of them online. Fails after `timeoutMs`, or when a worker exits first.
 */
export async function startWorkers(opts: {
  count: number;
  baseDir: string;
  linkUrl: string;
  api: HubApi;
  maxTasks: number;
  timeoutMs: number;
  cleanup: Cleanup;
  /** The stand-in agent (default: the flood agent). */
  agent?: StandInAgent;
  /** More PIA_* settings for every worker. */
  env?: Record<string, string>;
}): Promise<WorkerProcs> {
  const names = Array.from({ length: opts.count }, (_, i) => `s${i + 1}`);
  const children: ChildProcess[] = [];
  const logCounts = new Map<string, number>();
  let exited: string | undefined;
  for (const [i, name] of names.entries()) {
    const joinToken = await opts.api.addMachine(name);
    const dir = path.join(opts.baseDir, `w${i + 1}`);
    mkdirSync(dir, { recursive: true });
    const child = spawn(
      process.execPath,
      [path.join(projectRoot, 'bin', 'pia.js'), 'worker', '--hub', opts.linkUrl, '--join', joinToken, '--state-dir', dir],
      { env: workerEnv(dir, opts.maxTasks, opts.agent ?? floodAgent, opts.env ?? {}), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start worker ${name}`);
    const forget = opts.cleanup.add(() => killTree(pid));
    child.once('exit', (code, signal) => {
      exited ??= `worker ${name} exited (code ${code}, signal ${signal})`;
      forget();
    });
    countLogLines([child.stdout, child.stderr], logCounts);
    children.push(child);
  }

  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (exited) throw new Error(`${exited} before it was online: ${[...logCounts.keys()].slice(-3).join(' | ')}`);
    const online = new Set((await opts.api.machines()).filter((m) => m.status === 'online').map((m) => m.name));
    if (names.every((n) => online.has(n))) break;
    if (Date.now() > deadline) throw new Error(`only ${online.size}/${names.length} workers online after ${opts.timeoutMs} ms`);
    await sleep(100);
  }

  const running = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;
  return {
    names,
    pids: () => children.flatMap((c) => (c.pid !== undefined && running(c) ? [c.pid] : [])),
    logCounts,
    async stop(graceMs) {
      const exits = children.map((c) => (running(c) ? new Promise<void>((r) => c.once('exit', () => r())) : Promise.resolve()));
      for (const c of children) killQuietly(c.pid, 'SIGTERM');
      await Promise.race([Promise.all(exits), sleep(graceMs)]);
      for (const c of children) if (running(c)) killTree(c.pid);
      await Promise.all(exits);
    },
  };
}
