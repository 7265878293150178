import { silentLogger, type Logger } from '../../src/common/logger.js';
import { loadHubConfig, type HubConfig } from '../../src/hub/config.js';
import { createHub, type Hub } from '../../src/hub/hub.js';
import { tempDir } from './tmp.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** A real hub on 127.0.0.1, port 0 by default, with its SQLite file in a temp dir. */
export interface TestHub {
  hub: Hub;
  config: Readonly<HubConfig>;
  port: number;
  httpUrl: string;
  linkUrl: string;
  dataDir: string;
  /** Calls the HTTP API with the admin token; returns status and parsed body. */
  api<T = unknown>(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

/**
 * Starts a hub. `env` overrides PIA_* variables; `dataDir` reuses a directory (restart tests); `log` replaces the
 * silent logger (tests that count log lines).
 */
export async function startTestHub(
  opts: { env?: Record<string, string>; dataDir?: string; helloTimeoutMs?: number; log?: Logger; beforeStart?: (hub: Hub) => Promise<void> } = {},
): Promise<TestHub> {
  const tmp = opts.dataDir ? undefined : tempDir();
  const dataDir = opts.dataDir ?? tmp!.dir;
  const config = loadHubConfig({ PIA_DATA_DIR: dataDir, PIA_PORT: '0', PIA_HOST: '127.0.0.1', PIA_LOCAL_WORKER: '0', ...opts.env });
  const hub = createHub({ config, adminToken: ADMIN_TOKEN, log: opts.log ?? silentLogger(), helloTimeoutMs: opts.helloTimeoutMs });
  await opts.beforeStart?.(hub);
  const { port, httpUrl, linkUrl } = await hub.start();
  return {
    hub,
    config,
    port,
    httpUrl,
    linkUrl,
    dataDir,
    async api<T>(method: string, path: string, body?: unknown, token: string | null = ADMIN_TOKEN) {
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
    },
    async stop() {
      await hub.stop();
      tmp?.cleanup();
    },
  };
}
