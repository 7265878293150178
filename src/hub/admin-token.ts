import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { newToken } from '../common/secrets.js';

/** Where a generated admin token is kept. */
export function adminTokenFile(dataDir: string): string {
  return path.join(dataDir, 'admin-token');
}

/** The admin token kept in the data dir, if any. */
export function readStoredAdminToken(dataDir: string): string | undefined {
  try {
    const token = readFileSync(adminTokenFile(dataDir), 'utf8').trim();
    return token || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The admin token to use: the configured one, else the one kept in the data dir, else a new one written there
 * (mode 0600). `created` tells the caller to show it once.
 */
export function resolveAdminToken(configured: string | undefined, dataDir: string): { token: string; created: boolean } {
  if (configured) return { token: configured, created: false };
  const stored = readStoredAdminToken(dataDir);
  if (stored) return { token: stored, created: false };
  const token = newToken('pia_a_', 32);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(adminTokenFile(dataDir), token + '\n', { mode: 0o600, flag: 'wx' });
  return { token, created: true };
}
