import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { projectRoot } from '../../src/common/version.js';
import { killQuietly, type Cleanup } from '../fleet/cleanup.js';

/** A hub running as its own process (`node bin/pia.js hub`). */
export interface PowerHub {
  pid: number;
  httpUrl: string;
  /** Its log lines (warn and above, JSON), counted by level and message. */
  logCounts: Map<string, number>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs: number): Promise<void>;
}

/** Settings of the hub under test. */
export interface PowerHubOptions {
  dataDir: string;
  port: number;
  token: string;
  /** The hub's own magic-packet targets (PIA_WOL_TARGETS): the sink, never a broadcast address. */
  wolTarget: string;
  timeoutMs: number;
  cleanup: Cleanup;
}

/**
 * The hub's environment: ours without any PIA_* variable (one in the caller's shell must not skew the run),
 * plus the settings an operator would give, loopback-only mode, and short probe and wake time-outs so a wake
 * that is cancelled late still ends soon.
 */
function hubEnv(opts: PowerHubOptions): NodeJS.ProcessEnv {
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
    PIA_NET_LOOPBACK_ONLY: '1',
    PIA_WOL_TARGETS: opts.wolTarget,
    PIA_PROBE_TIMEOUT_MS: '300',
    PIA_WAKE_TIMEOUT_S: '2',
  };
}

/** Starts the hub and waits until /api/health answers; fails after `timeoutMs` or if it exits first. */
export async function startPowerHub(opts: PowerHubOptions): Promise<PowerHub> {
  const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'pia.js'), 'hub'], { env: hubEnv(opts), stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error('could not start the hub process');
  const pid = child.pid;
  const forget = opts.cleanup.add(() => killQuietly(pid));
  const logCounts = new Map<string, number>();
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      let key = line.slice(0, 200);
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string };
        key = `${entry.level === 40 ? 'warn' : entry.level === 50 ? 'error' : `level ${entry.level}`}: ${entry.msg}`;
      } catch {
        // not a log line (a stack trace, a start-up error): count it as it is
      }
      logCounts.set(key, (logCounts.get(key) ?? 0) + 1);
    });
  }
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
    if (exited || Date.now() > deadline) {
      killQuietly(pid);
      forget();
      const said = [...logCounts.keys()].slice(-5).join(' | ');
      throw new Error(exited ? `hub exited during start: ${said}` : `hub did not answer /api/health within ${opts.timeoutMs} ms: ${said}`);
    }
    try {
      const res = await fetch(`${httpUrl}/api/health`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }

  return {
    pid,
    httpUrl,
    logCounts,
    async stop(graceMs) {
      killQuietly(pid, 'SIGTERM');
      const inTime = await Promise.race([exit.then(() => true), sleep(graceMs).then(() => false)]);
      if (!inTime) {
        killQuietly(pid, 'SIGKILL');
        await exit;
      }
      forget();
    },
  };
}
