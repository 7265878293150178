import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../src/common/logger.js';
import type { BenchHub } from './hub.js';
import { loadWorkerConfig } from '../../src/worker/config.js';
import { createWorker, type Worker } from '../../src/worker/worker.js';
import { withTimeout } from '../fleet/with-timeout.js';

/** The machine name the benchmark's worker enrols as. */
export const WORKER_NAME = 'local';

/**
 * Registers the machine `local`, then runs a real worker daemon in this process that joins with the token and
 * links over loopback. Its only agent is `agentArgv` (plain-text output), under the name `flood`. Resolves once
 * the hub sees the machine online.
 */
export async function startBenchWorker(opts: { hub: BenchHub; dir: string; agentArgv: string[]; log: Logger; timeoutMs: number }): Promise<Worker> {
  const res = await fetch(`${opts.hub.httpUrl}/api/machines`, {
    method: 'POST',
    headers: { authorization: `Bearer ${opts.hub.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: WORKER_NAME }),
  });
  if (res.status !== 201) throw new Error(`registering ${WORKER_NAME}: HTTP ${res.status} ${await res.text()}`);
  const { joinToken } = (await res.json()) as { joinToken: string };
  const stateDir = path.join(opts.dir, 'worker');
  const workspace = path.join(stateDir, 'work');
  mkdirSync(workspace, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? stateDir,
    PIA_AGENTS: JSON.stringify({ flood: { command: [...opts.agentArgv, '{prompt}'], format: 'text' } }),
    PIA_AGENT: 'flood',
    // No agent discovery on PATH: the facts stay small and the same on every machine.
    PIA_AGENT_NAMES: 'pia-no-such-agent',
    PIA_WORKSPACE: workspace,
    PIA_REPO_ROOTS: stateDir,
  };
  const config = loadWorkerConfig({ hub: opts.hub.linkUrl, join: joinToken, name: WORKER_NAME, stateDir }, env);
  const worker = createWorker({ config, log: opts.log, env });
  let online!: () => void;
  const up = new Promise<void>((resolve) => (online = resolve));
  const off = opts.hub.pia.events.on('machine.online', (e) => e.machine === WORKER_NAME && online());
  const running = worker.run();
  try {
    await withTimeout(
      Promise.race([up, running.then(() => Promise.reject(new Error('the worker stopped before it linked')))]),
      opts.timeoutMs,
      `the worker did not link within ${opts.timeoutMs / 1000} s`,
    );
  } catch (err) {
    await worker.stop();
    throw err;
  } finally {
    off();
  }
  running.catch((err: unknown) => opts.log.error({ err }, 'worker stopped'));
  return worker;
}
