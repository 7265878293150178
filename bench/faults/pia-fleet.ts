import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cleanup } from '../fleet/cleanup.js';
import { startHub, type HubProcess } from '../fleet/hub-process.js';
import { hubApi, type HubApi } from '../stream/hub-api.js';
import { startWorkers, type WorkerProcs } from '../stream/pia-workers.js';
import { countingPrompt } from './counting-spec.js';

const countingAgentPath = fileURLToPath(new URL('./counting-agent.js', import.meta.url));

/** A hub process and real worker processes running the counting agent: what scenarios 1 and 2 fault. */
export interface PiaFleet {
  dir: string;
  token: string;
  /** The file every agent start is appended to. */
  startsFile: string;
  hub: HubProcess;
  api: HubApi;
  workers: WorkerProcs;
  /** Starts a hub again on the same data dir and port (after the old one died). */
  restartHub(): Promise<HubProcess>;
  /** Creates `count` tasks round-robin over the workers; resolves with their ids and tags. */
  createTasks(count: number, lines: number, rate: number): Promise<{ id: string; tag: string }[]>;
}

/**
 * Starts a hub (`node bin/pia.js hub`) on `hubPort` and `workers` workers linked to `linkUrl(hub)` (the hub's
 * own link address unless a proxy stands between), each taking up to `maxTasks` tasks.
 */
export async function startPiaFleet(opts: {
  workers: number;
  maxTasks: number;
  hubPort: number;
  cleanup: Cleanup;
  hubEnv?: Record<string, string>;
  workerEnv?: Record<string, string>;
  linkUrl?: (hub: HubProcess) => string;
  /** Runs before the hub starts, with its (empty) data dir: to mount a file system there. */
  beforeHub?: (dataDir: string) => void;
}): Promise<PiaFleet> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pia-faults-'));
  opts.cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
  const dataDir = path.join(dir, 'hub');
  const token = randomBytes(24).toString('base64url');
  const startsFile = path.join(dir, 'starts.txt');
  if (opts.beforeHub) {
    mkdirSync(dataDir, { mode: 0o700 });
    opts.beforeHub(dataDir);
  }
  const start = () => startHub({ dataDir, port: opts.hubPort, token, timeoutMs: 60_000, cleanup: opts.cleanup, env: opts.hubEnv });
  const hub = await start();
  const api = hubApi(hub.httpUrl, token);
  mkdirSync(path.join(dir, 'workers'));
  const workers = await startWorkers({
    count: opts.workers,
    baseDir: path.join(dir, 'workers'),
    linkUrl: opts.linkUrl?.(hub) ?? hub.linkUrl,
    api,
    maxTasks: opts.maxTasks,
    timeoutMs: 60_000,
    cleanup: opts.cleanup,
    agent: { name: 'counting', command: [process.execPath, countingAgentPath, '{prompt}'] },
    env: opts.workerEnv,
  });
  let serial = 0;
  return {
    dir,
    token,
    startsFile,
    hub,
    api,
    workers,
    restartHub: start,
    async createTasks(count, lines, rate) {
      return Promise.all(
        Array.from({ length: count }, async (_, i) => {
          const tag = `t${++serial}`;
          const machine = workers.names[i % workers.names.length]!;
          const task = await api.createTask({ kind: 'run', machine, prompt: countingPrompt({ tag, lines, rate, starts: startsFile }) });
          return { id: task.id, tag };
        }),
      );
    },
  };
}
