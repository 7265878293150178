import path from 'node:path';
import Database from 'better-sqlite3';
import { loadPiaConfig, type PiaConfig } from '../../src/app/config.js';
import { createPia, type Pia, type PiaOptions } from '../../src/app/create-pia.js';
import { silentLogger, type Logger } from '../../src/common/logger.js';
import type { MachineJson } from '../../src/hub/http/machine-json.js';
import type { Task } from '../../src/hub/tasks/task.js';
import { tempDir } from './tmp.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** A real PIA on 127.0.0.1, port 0 by default, with its SQLite file in a temp dir. */
export interface TestHub {
  pia: Pia;
  config: Readonly<PiaConfig>;
  port: number;
  httpUrl: string;
  linkUrl: string;
  dataDir: string;
  /** Calls the HTTP API with the admin token; returns status and parsed body. */
  api<T = unknown>(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: T }>;
  /** A second connection to the hub's database file, for checking what it stored (and, rarely, setting a scene). */
  db(): Database.Database;
  /** Tasks through the API, newest first. */
  tasks(query?: { machine?: string; state?: string; limit?: number }): Promise<Task[]>;
  /** One task through the API; undefined when it does not exist. */
  task(id: string): Promise<Task | undefined>;
  /** One machine through the API. */
  machine(name: string): Promise<MachineJson>;
  stop(): Promise<void>;
}

/**
 * Starts a PIA as `pia start` would with these variables. `env` overrides PIA_* variables; `dataDir` reuses a
 * directory (restart tests); `log` replaces the silent logger (tests that count log lines).
 */
export async function startTestHub(
  opts: { env?: Record<string, string>; dataDir?: string; log?: Logger; options?: Partial<Omit<PiaOptions, 'config' | 'adminToken' | 'log'>> } = {},
): Promise<TestHub> {
  const tmp = opts.dataDir ? undefined : tempDir();
  // A folder of its own: the hub makes its data dir 0700 (the temp dir is 0755 for system servers).
  const dataDir = opts.dataDir ?? path.join(tmp!.dir, 'data');
  const config = loadPiaConfig({ PIA_DATA_DIR: dataDir, PIA_PORT: '0', PIA_HOST: '127.0.0.1', PIA_LOCAL_WORKER: '0', PIA_CONSOLE: '0', ...opts.env });
  const pia = await createPia({ config, adminToken: ADMIN_TOKEN, log: opts.log ?? silentLogger(), ...opts.options });
  const { port, httpUrl, linkUrl } = await pia.start();
  let reader: Database.Database | undefined;
  async function api<T>(method: string, path: string, body?: unknown, token: string | null = ADMIN_TOKEN) {
      const res = await fetch(httpUrl + path, {
        method,
        headers: {
          ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
    return { status: res.status, body: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T };
  }
  return {
    pia,
    config,
    port,
    httpUrl,
    linkUrl,
    dataDir,
    api,
    db() {
      if (!reader) {
        reader = new Database(path.join(dataDir, 'pia.db'), { fileMustExist: true });
        reader.pragma('busy_timeout = 5000');
      }
      return reader;
    },
    async tasks(query = {}) {
      const params = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
      const res = await api<{ tasks: Task[] }>('GET', `/api/tasks?${params}`);
      if (res.status !== 200) throw new Error(`GET /api/tasks -> ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body.tasks;
    },
    async machine(name) {
      const res = await api<{ machine: MachineJson }>('GET', `/api/machines/${name}`);
      if (res.status !== 200) throw new Error(`GET /api/machines/${name} -> ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body.machine;
    },
    async task(id) {
      const res = await api<{ task: Task }>('GET', `/api/tasks/${id}`);
      return res.status === 200 ? res.body.task : undefined;
    },
    async stop() {
      reader?.close();
      await pia.stop();
      tmp?.cleanup();
    },
  };
}
