import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/common/version.js';
import type { Cleanup } from '../fleet/cleanup.js';
import { killQuietly } from '../fleet/cleanup.js';
import { killTree } from '../stream/proc.js';
import { ASKING_AGENT, controlFlags } from './stand-in.js';

/** A `pia worker` process whose only agent is the stand-in, driven as PIA drives Claude Code. */
export interface WorkerProcess {
  name: string;
  stop(): Promise<void>;
}

/** Starts `node bin/pia.js worker` for a machine registered with `joinToken`; it runs `maxTasks` tasks at once. */
export function startWorkerProcess(opts: { name: string; joinToken: string; linkUrl: string; dir: string; maxTasks: number; cleanup: Cleanup }): WorkerProcess {
  mkdirSync(opts.dir, { recursive: true });
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PIA_')) env[k] = v;
  Object.assign(env, {
    PIA_WORKSPACE: path.join(opts.dir, 'work'),
    PIA_REPO_ROOTS: opts.dir,
    PIA_AGENT_NAMES: 'pia-no-such-agent',
    PIA_AGENTS: JSON.stringify({ asker: { command: [process.execPath, ASKING_AGENT, ...controlFlags], format: 'claude-control' } }),
    PIA_AGENT: 'asker',
    PIA_MAX_TASKS: String(opts.maxTasks),
    PIA_LOG_LEVEL: 'warn',
    PIA_NET_LOOPBACK_ONLY: '1',
  });
  const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'pia.js'), 'worker', '--hub', opts.linkUrl, '--join', opts.joinToken, '--state-dir', opts.dir, '--name', opts.name], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const forget = opts.cleanup.add(() => killTree(child.pid));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name: opts.name,
    async stop() {
      killQuietly(child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      forget();
      killTree(child.pid);
    },
  };
}
