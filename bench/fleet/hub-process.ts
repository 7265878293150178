import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { projectRoot } from '../../src/common/version.js';
import { killQuietly, type Cleanup } from './cleanup.js';
import { countLogLines } from '../common/log-lines.js';

/** A hub running as its own process (`node bin/pia.js hub`), as an operator would run it. */
export interface HubProcess {
  pid: number;
  httpUrl: string;
  linkUrl: string;
  /** Warning and error log lines so far, counted by message (how a hub under load complains). */
  logCounts: Map<string, number>;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. Resolves with how long the exit took. */
  stop(graceMs: number): Promise<{ exitMs: number; killed: boolean }>;
}

/** A port on 127.0.0.1 free right now (the hub must keep the same port across its restart). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The hub's environment: ours only, so a PIA_* variable in the caller's shell cannot skew the run. */
function hubEnv(opts: { dataDir: string; port: number; token: string; env?: Record<string, string> }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PIA_')) env[k] = v;
  return {
    ...env,
    PIA_DATA_DIR: opts.dataDir,
    PIA_PORT: String(opts.port),
    PIA_HOST: '127.0.0.1',
    PIA_LOCAL_WORKER: '0',
    PIA_ADMIN_TOKEN: opts.token,
    PIA_LOG_LEVEL: 'warn',
    PIA_LOG_FORMAT: 'json',
    ...opts.env,
  };
}

/**
 * Starts the hub and waits until its health endpoint answers. Fails after `timeoutMs` or when the process
 * exits first (port taken, bad config), with what it printed.
 */
export async function startHub(opts: {
  dataDir: string;
  port: number;
  token: string;
  timeoutMs: number;
  cleanup: Cleanup;
  /** More settings for this benchmark's hub (they win over the defaults above). */
  env?: Record<string, string>;
  /** Options for node itself (a CPU profile: `--cpu-prof`, `--cpu-prof-dir=...`). */
  nodeArgs?: string[];
}): Promise<HubProcess> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), path.join(projectRoot, 'bin', 'pia.js'), 'hub'], {
    env: hubEnv(opts),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('could not start the hub process');
  const pid = child.pid;
  const forget = opts.cleanup.add(() => killQuietly(pid));
  const logCounts = new Map<string, number>();
  countLogLines([child.stdout, child.stderr], logCounts);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );

  const httpUrl = `http://127.0.0.1:${opts.port}`;
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (exited) {
      forget();
      throw new Error(`hub exited during start: ${[...logCounts.keys()].slice(-5).join(' | ')}`);
    }
    if (Date.now() > deadline) {
      forget();
      throw new Error(`hub did not answer /api/health within ${opts.timeoutMs} ms`);
    }
    try {
      const res = await fetch(`${httpUrl}/api/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }

  return {
    pid,
    httpUrl,
    linkUrl: `ws://127.0.0.1:${opts.port}/link`,
    logCounts,
    async stop(graceMs) {
      const t0 = performance.now();
      killQuietly(pid, 'SIGTERM');
      const inTime = await Promise.race([exit.then(() => true), sleep(graceMs).then(() => false)]);
      if (!inTime) {
        killQuietly(pid, 'SIGKILL');
        await exit;
      }
      forget();
      return { exitMs: performance.now() - t0, killed: !inTime };
    },
  };
}
