import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { projectRoot } from '../../src/common/version.js';
import { countLogLines } from '../common/log-lines.js';
import { killQuietly, type Cleanup } from '../fleet/cleanup.js';
import type { HubApi } from '../stream/hub-api.js';
import { killTree } from '../stream/proc.js';

/**
 * The test suite's stand-in agent (test/fixtures/fake-agent.mjs, plain JavaScript, run from the source tree): with
 * `lines=0` in its prompt it prints the prompt and its directory and exits, so a task's running time is Node's
 * start-up.
 */
const FAKE_AGENT = path.join(projectRoot, 'test', 'fixtures', 'fake-agent.mjs');

/** One worker process linked to the hub. */
export interface WorkerProcess {
  pid: number;
  logCounts: Map<string, number>;
  /** SIGTERM (its own clean stop), then SIGKILL of it and its agents after `graceMs`. */
  stop(graceMs: number): Promise<void>;
}

/**
 * Registers `name` through the API, starts `node bin/pia.js worker` with its join token and the fake agent as its
 * only agent, and waits until the hub lists it online.
 */
export async function startWorker(opts: { name: string; dir: string; linkUrl: string; api: HubApi; timeoutMs: number; cleanup: Cleanup }): Promise<WorkerProcess> {
  const joinToken = await opts.api.addMachine(opts.name);
  mkdirSync(opts.dir, { recursive: true });
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PIA_')) env[k] = v;
  Object.assign(env, {
    PIA_WORKSPACE: path.join(opts.dir, 'work'),
    PIA_REPO_ROOTS: opts.dir,
    PIA_AGENT: 'fake',
    PIA_AGENTS: JSON.stringify({ fake: { command: [process.execPath, FAKE_AGENT, '--', '{prompt}'], format: 'text' } }),
    PIA_LOG_LEVEL: 'warn',
  });
  const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'pia.js'), 'worker', '--hub', opts.linkUrl, '--join', joinToken, '--state-dir', opts.dir], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start worker ${opts.name}`);
  const forget = opts.cleanup.add(() => killTree(pid));
  const logCounts = new Map<string, number>();
  countLogLines([child.stdout, child.stderr], logCounts);
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = `worker ${opts.name} exited (code ${code}, signal ${signal})`;
      forget();
      resolve();
    }),
  );

  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (exited) throw new Error(`${exited} before it was online: ${[...logCounts.keys()].slice(-3).join(' | ')}`);
    const machines = await opts.api.machines();
    if (machines.some((m) => m.name === opts.name && m.status === 'online')) break;
    if (Date.now() > deadline) {
      killTree(pid);
      throw new Error(`worker ${opts.name} not online after ${opts.timeoutMs} ms`);
    }
    await sleep(100);
  }

  return {
    pid,
    logCounts,
    async stop(graceMs) {
      if (exited) return;
      killQuietly(pid, 'SIGTERM');
      await Promise.race([exit, sleep(graceMs)]);
      if (!exited) killTree(pid);
      await exit;
    },
  };
}
